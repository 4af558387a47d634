using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Console.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Secrets;

/// <summary>
/// Creates, replaces, lists and deletes secrets (admins only: the write guard refuses everyone
/// else). No answer of this service ever holds a value; <see cref="RunSecrets"/> is the one place
/// values are decrypted, for a claim and for masking.
/// </summary>
public sealed class SecretService(ConsoleDbContext db, SecretCipher cipher, TimeProvider time, IActorAccessor actors, SecretUsage usage)
{
    /// <summary>Large enough for a docker config or a PEM key, small enough for an env variable.</summary>
    public const int MaxValueLength = 64 * 1024;

    public const int MaxDescriptionLength = 500;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<IReadOnlyList<SecretDto>> ListAsync(CancellationToken ct = default)
    {
        var secrets = await db.Secrets.AsNoTracking().ToListAsync(ct);
        return [.. secrets.OrderBy(s => s.Name, StringComparer.Ordinal).Select(ToDto)];
    }

    public async Task<SecretDto> GetAsync(string name, CancellationToken ct = default) => ToDto(await FindAsync(name, tracking: false, ct));

    public async Task<SecretDto> CreateAsync(CreateSecretRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = Names.Require(request.Name, "name");
        var value = RequireValue(request.Value);
        var description = Description(request.Description);
        if (await db.Secrets.AnyAsync(s => s.Name == name, ct))
        {
            throw new ConflictException($"A secret named '{name}' already exists: replace its value with PUT /api/secrets/{name}.");
        }

        var now = Now;
        var secret = new Secret
        {
            Name = name,
            Description = description,
            ProtectedValue = cipher.Protect(value),
            CreatedBy = actors.Current.Name,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Secrets.Add(secret);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
        {
            db.Entry(secret).State = EntityState.Detached;
            throw new ConflictException($"A secret named '{name}' already exists.");
        }

        return ToDto(secret);
    }

    /// <summary>Replaces the value (runs claimed from now on get the new one) and, when given, the description.</summary>
    public async Task<SecretDto> UpdateAsync(string name, UpdateSecretRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = RequireValue(request.Value);
        var description = request.Description.IsSet ? Description(request.Description.Value) : null;
        var secret = await FindAsync(name, tracking: true, ct);
        secret.ProtectedValue = cipher.Protect(value);
        if (request.Description.IsSet)
        {
            secret.Description = description;
        }

        secret.UpdatedAt = Now;
        await db.SaveChangesAsync(ct);
        return ToDto(secret);
    }

    /// <summary>
    /// Deletes a secret nothing uses. A secret a deployment or a pool's template still names is
    /// refused (409, listing them): deleting it would only make their next runs crash.
    /// </summary>
    public async Task DeleteAsync(string name, CancellationToken ct = default)
    {
        var secret = await FindAsync(name, tracking: true, ct);
        var users = await usage.UsersOfAsync(secret.Name, ct);
        if (users.Count > 0)
        {
            throw new ConflictException(
                $"The secret '{secret.Name}' is in use by {string.Join(", ", users.Select(u => u.ToString()))}: remove those references first.");
        }

        db.Secrets.Remove(secret);
        await db.SaveChangesAsync(ct);
    }

    private async Task<Secret> FindAsync(string name, bool tracking, CancellationToken ct)
    {
        var query = tracking ? db.Secrets : db.Secrets.AsNoTracking();
        return await query.FirstOrDefaultAsync(s => s.Name == name, ct)
            ?? throw new NotFoundException($"Secret '{name}' does not exist.");
    }

    private static string RequireValue(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidRequestException("value", "A secret needs a value.");
        }

        return value.Length > MaxValueLength
            ? throw new InvalidRequestException("value", $"A secret's value has at most {MaxValueLength} characters.")
            : value;
    }

    private static string? Description(string? description)
    {
        var text = description?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return text.Length > MaxDescriptionLength || text.Any(char.IsControl)
            ? throw new InvalidRequestException("description", $"A description has at most {MaxDescriptionLength} printable characters.")
            : text;
    }

    public static SecretDto ToDto(Secret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return new SecretDto { Name = secret.Name, Description = secret.Description, CreatedAt = secret.CreatedAt, UpdatedAt = secret.UpdatedAt };
    }
}

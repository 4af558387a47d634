using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.Security;
using Console.Core.Feed;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Security;

/// <summary>Creates, lists, revokes and checks API keys. The secret exists in clear only in the create answer.</summary>
public sealed class ApiKeyService(ConsoleDbContext db, TimeProvider time, IActorAccessor actors, CredentialState credentials, IChangeFeed feed)
{
    public const int MaxNameLength = 100;

    /// <summary>"Last used" is written at most this often per key, so a busy worker does not write on every call.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<IReadOnlyList<ApiKeyDto>> ListAsync(CancellationToken ct = default)
    {
        var keys = await db.ApiKeys.AsNoTracking().ToListAsync(ct);
        var now = Now;
        return [.. keys.OrderByDescending(k => k.CreatedAt).Select(k => ToDto(k, now))];
    }

    public async Task<ApiKeyDto> GetAsync(Guid id, CancellationToken ct = default) =>
        ToDto(await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct)
            ?? throw new NotFoundException($"API key '{id}' does not exist."), Now);

    public async Task<CreatedApiKeyDto> CreateAsync(CreateApiKeyRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw new InvalidRequestException("name", $"A key needs a name of 1-{MaxNameLength} printable characters (what or who uses it).");
        }

        if (!Roles.ForKeys.Contains(request.Role))
        {
            throw new InvalidRequestException("role", $"'{request.Role}' is not a role: use {string.Join(", ", Roles.ForKeys)}.");
        }

        var pools = request.Pools ?? [];
        if (request.Role == Roles.Worker && pools.Count == 0)
        {
            throw new InvalidRequestException("pools", "A worker key serves named pools: list at least one.");
        }

        if (request.Role != Roles.Worker && pools.Count > 0)
        {
            throw new InvalidRequestException("pools", "Only worker keys are scoped to pools; other roles apply to every pool.");
        }

        for (var i = 0; i < pools.Count; i++)
        {
            Names.Require(pools[i], $"pools[{i}]");
        }

        var now = Now;
        var expiresAt = ExpiryOf(request, now);
        var actor = actors.Current;
        for (var attempt = 0; ; attempt++)
        {
            var (key, prefix, hash) = ApiKeySecrets.Create();
            var entity = new ApiKey
            {
                Name = name,
                Prefix = prefix,
                SecretHash = hash,
                Role = request.Role!,
                Pools = ConsoleJson.Serialize(pools.Distinct().Order(StringComparer.Ordinal).ToList()),
                CreatedBy = actor.Name,
                CreatedAt = now,
                ExpiresAt = expiresAt,
            };
            db.ApiKeys.Add(entity);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Two keys drew the same 32-bit prefix: draw again.
                db.Entry(entity).State = EntityState.Detached;
                continue;
            }

            credentials.Invalidate();
            var dto = ToDto(entity, now);
            return new CreatedApiKeyDto
            {
                Key = key,
                Id = dto.Id, Name = dto.Name, Prefix = dto.Prefix, Role = dto.Role, Pools = dto.Pools, Status = dto.Status,
                CreatedBy = dto.CreatedBy, CreatedAt = dto.CreatedAt, ExpiresAt = dto.ExpiresAt,
            };
        }
    }

    /// <summary>
    /// Revokes a key at once: refused on its next request, and its open hub connections are closed
    /// (on every replica, through the change feed). Revoking it again changes nothing.
    /// </summary>
    public async Task<ApiKeyDto> RevokeAsync(Guid id, CancellationToken ct = default)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, ct)
            ?? throw new NotFoundException($"API key '{id}' does not exist.");
        if (key.RevokedAt is null)
        {
            key.RevokedAt = Now;
            key.RevokedBy = actors.Current.Name;
            await db.SaveChangesAsync(ct);
        }

        // Again on a repeated revoke: a connection that slipped in around the first one is closed too.
        feed.Publish(new CredentialRevoked(key.Id));
        return ToDto(key, Now);
    }

    /// <summary>The active key the caller presented, or null (unknown, malformed, revoked, expired).</summary>
    public async Task<ApiKey?> AuthenticateAsync(string presented, CancellationToken ct = default)
    {
        var prefix = ApiKeySecrets.PrefixOf(presented);
        if (prefix is null)
        {
            return null;
        }

        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, ct);
        var now = Now;
        if (key is null || !ApiKeySecrets.Matches(presented, key.SecretHash) || !key.IsActive(now))
        {
            return null;
        }

        if (key.LastUsedAt is null || now - key.LastUsedAt >= LastUsedResolution)
        {
            // Straight to the table: bookkeeping, not a change anyone made (no audit entry).
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
            key.LastUsedAt = now;
        }

        return key;
    }

    /// <summary>Whether the key with this id is still active (neither revoked nor expired).</summary>
    public async Task<bool> IsActiveAsync(Guid id, CancellationToken ct = default)
    {
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct);
        return key is not null && key.IsActive(Now);
    }

    public static IReadOnlyList<string> PoolsOf(ApiKey key) =>
        ConsoleJson.Deserialize<List<string>>(key?.Pools) ?? [];

    public static ApiKeyDto ToDto(ApiKey key, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ApiKeyDto
        {
            Id = key.Id,
            Name = key.Name,
            Prefix = key.Prefix,
            Role = key.Role,
            Pools = [.. PoolsOf(key)],
            Status = key.RevokedAt is not null ? ApiKeyStatus.Revoked : key.ExpiresAt <= now ? ApiKeyStatus.Expired : ApiKeyStatus.Active,
            CreatedBy = key.CreatedBy,
            CreatedAt = key.CreatedAt,
            ExpiresAt = key.ExpiresAt,
            RevokedAt = key.RevokedAt,
            RevokedBy = key.RevokedBy,
            LastUsedAt = key.LastUsedAt,
        };
    }

    private static DateTime? ExpiryOf(CreateApiKeyRequest request, DateTime now)
    {
        if (request.ExpiresAt is not null && request.ExpiresInDays is not null)
        {
            throw new InvalidRequestException("expiresAt", "Give expiresAt or expiresInDays, not both.");
        }

        if (request.ExpiresInDays is { } days)
        {
            return days is >= 1 and <= 3650
                ? now.AddDays(days)
                : throw new InvalidRequestException("expiresInDays", "expiresInDays must be 1 to 3650.");
        }

        if (request.ExpiresAt is { } at)
        {
            var utc = at.ToUniversalTime();
            return utc > now ? utc : throw new InvalidRequestException("expiresAt", "expiresAt must be in the future.");
        }

        return null;
    }
}

using System.Text.RegularExpressions;
using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Security;

/// <summary>People who sign in to the console: create, list, delete, check a password, change it.</summary>
public sealed partial class UserService(ConsoleDbContext db, TimeProvider time, IActorAccessor actors, CredentialState credentials)
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._@-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public static string? NormalizeUserName(string? userName)
    {
        var name = userName?.Trim().ToLowerInvariant();
        return name is not null && UserNamePattern().IsMatch(name) ? name : null;
    }

    public async Task<IReadOnlyList<UserDto>> ListAsync(CancellationToken ct = default)
    {
        var users = await db.Users.AsNoTracking().ToListAsync(ct);
        return [.. users.OrderBy(u => u.UserName, StringComparer.Ordinal).Select(ToDto)];
    }

    public async Task<ConsoleUser?> FindAsync(string userName, CancellationToken ct = default)
    {
        var name = NormalizeUserName(userName);
        return name is null ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserName == name, ct);
    }

    public async Task<CreatedUserDto> CreateAsync(CreateUserRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = NormalizeUserName(request.UserName)
            ?? throw new InvalidRequestException("userName", "A user name is 1-64 of a-z, 0-9, '.', '_', '@' and '-', starting with a letter or digit.");
        if (!Roles.ForUsers.Contains(request.Role))
        {
            throw new InvalidRequestException("role", $"'{request.Role}' is not a role for people: use {string.Join(", ", Roles.ForUsers)}.");
        }

        if (request.Password is not null && PasswordHashing.Problem(request.Password) is { } problem)
        {
            throw new InvalidRequestException("password", problem);
        }

        if (await db.Users.AnyAsync(u => u.UserName == name, ct))
        {
            throw new ConflictException($"A user named '{name}' already exists.");
        }

        var oneTime = request.Password is null ? PasswordHashing.Generate() : null;
        var now = Now;
        var user = new ConsoleUser
        {
            UserName = name,
            PasswordHash = PasswordHashing.Hash(request.Password ?? oneTime!),
            Role = request.Role!,
            MustChangePassword = oneTime is not null,
            CreatedBy = actors.Current.Name,
            CreatedAt = now,
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new ConflictException($"A user named '{name}' already exists.");
        }

        credentials.Invalidate();
        return new CreatedUserDto { User = ToDto(user), OneTimePassword = oneTime };
    }

    public async Task DeleteAsync(string userName, CancellationToken ct = default)
    {
        var name = NormalizeUserName(userName) ?? throw new NotFoundException($"User '{userName}' does not exist.");
        var user = await db.Users.FirstOrDefaultAsync(u => u.UserName == name, ct)
            ?? throw new NotFoundException($"User '{name}' does not exist.");
        if (user.Role == Roles.Admin && !await db.Users.AnyAsync(u => u.Role == Roles.Admin && u.Id != user.Id, ct))
        {
            throw new ConflictException($"'{name}' is the last admin: make another admin first.");
        }

        db.Users.Remove(user);
        await db.SaveChangesAsync(ct);
        credentials.Invalidate();
    }

    /// <summary>Checks a sign-in; null for an unknown name or a wrong password (the same time either way).</summary>
    public async Task<ConsoleUser?> VerifyAsync(string? userName, string? password, CancellationToken ct = default)
    {
        var name = NormalizeUserName(userName);
        var user = name is null ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserName == name, ct);
        if (user is null || string.IsNullOrEmpty(password) || password.Length > PasswordHashing.MaximumLength)
        {
            PasswordHashing.VerifyNothing(password ?? string.Empty);
            return null;
        }

        return PasswordHashing.Verify(password, user.PasswordHash) ? user : null;
    }

    /// <summary>Notes a successful sign-in, outside the audit of changes (the sign-in has its own entry).</summary>
    public async Task RecordSignInAsync(ConsoleUser user, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var now = Now;
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSignInAt, now), ct);
    }

    /// <summary>Sets a new password after checking the current one; earlier sign-ins of this user end.</summary>
    public async Task ChangePasswordAsync(string userName, ChangePasswordRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await VerifyAsync(userName, request.CurrentPassword, ct) is not { } verified)
        {
            throw new InvalidRequestException("currentPassword", "The current password is not right.");
        }

        if (PasswordHashing.Problem(request.NewPassword) is { } problem)
        {
            throw new InvalidRequestException("newPassword", problem);
        }

        if (request.NewPassword == request.CurrentPassword)
        {
            throw new InvalidRequestException("newPassword", "Choose a password different from the current one.");
        }

        var user = await db.Users.FirstAsync(u => u.Id == verified.Id, ct);
        user.PasswordHash = PasswordHashing.Hash(request.NewPassword!);
        user.MustChangePassword = false;
        user.PasswordChangedAt = Now;
        user.SecurityStamp = Guid.NewGuid().ToString("N");
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Whether a sign-in made with this stamp still stands (user exists, password and role unchanged).</summary>
    public async Task<ConsoleUser?> ValidateStampAsync(Guid userId, string? stamp, CancellationToken ct = default)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        return user is not null && user.SecurityStamp == stamp ? user : null;
    }

    public static UserDto ToDto(ConsoleUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new UserDto
        {
            Id = user.Id,
            UserName = user.UserName,
            Role = user.Role,
            MustChangePassword = user.MustChangePassword,
            CreatedBy = user.CreatedBy,
            CreatedAt = user.CreatedAt,
            LastSignInAt = user.LastSignInAt,
        };
    }
}

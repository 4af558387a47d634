using System.Text.RegularExpressions;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.Security;
using Console.Core.Feed;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Security;

/// <summary>People who sign in to the console: create, list, delete, check a password, change it.</summary>
public sealed partial class UserService(ConsoleDbContext db, TimeProvider time, IActorAccessor actors, CredentialState credentials, IChangeFeed feed)
{
    [GeneratedRegex(@"^[a-z0-9][a-z0-9._@-]{0,63}\z", RegexOptions.CultureInvariant)]
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
        await AddAsync(user, ct);
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
        feed.Publish(new CredentialRevoked(user.Id));
    }

    /// <summary>
    /// Sign-out, server-side: a new security stamp refuses every cookie issued before (a copied
    /// cookie included) and the user's open UI circuits and hub connections are closed. It ends all
    /// of this user's sign-ins, on every browser: the stamp is per user, not per browser.
    /// </summary>
    public async Task EndSignInsAsync(Guid userId, CancellationToken ct = default)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return;
        }

        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        feed.Publish(new CredentialRevoked(user.Id));
    }

    /// <summary>Checks a sign-in; null for an unknown name or a wrong password (the same time either way).</summary>
    public async Task<ConsoleUser?> VerifyAsync(string? userName, string? password, CancellationToken ct = default)
    {
        var name = NormalizeUserName(userName);
        var user = name is null ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.UserName == name, ct);
        if (user is null || string.IsNullOrEmpty(password) || password.Length > PasswordHashing.MaximumLength || ExternalCredential.IsExternal(user.PasswordHash))
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
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        // The caller's own sign-in is renewed with the new stamp; the others end now.
        feed.Publish(new CredentialRevoked(user.Id));
    }

    /// <summary>
    /// A person the team's identity provider signed in: their row is found by the provider's subject
    /// (never by name), created on first sign-in, and given the role the provider's groups map to
    /// (a changed role ends earlier sign-ins). A local user of the same name is never taken over.
    /// </summary>
    public async Task<ConsoleUser> SignInExternalAsync(ExternalIdentity identity, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (!Roles.ForUsers.Contains(identity.Role))
        {
            throw new InvalidRequestException("role", $"'{identity.Role}' is not a role for people.");
        }

        var credential = ExternalCredential.For(identity.Issuer, identity.Subject);
        var user = await db.Users.FirstOrDefaultAsync(u => u.PasswordHash == credential, ct);
        if (user is not null)
        {
            if (user.Role != identity.Role)
            {
                user.Role = identity.Role;
                user.SecurityStamp = NewStamp();
                await db.SaveChangesAsync(ct);
                feed.Publish(new CredentialRevoked(user.Id));
            }

            return user;
        }

        var name = NormalizeUserName(identity.UserName)
            ?? throw new InvalidRequestException("userName",
                "The identity provider gave no usable user name (1-64 of a-z, 0-9, '.', '_', '@' and '-'); check the UserNameClaim setting.");
        if (await db.Users.AnyAsync(u => u.UserName == name, ct))
        {
            throw new ConflictException($"A console user named '{name}' already exists and signs in with a password; an admin must delete or rename it first.");
        }

        user = new ConsoleUser
        {
            UserName = name,
            PasswordHash = credential,
            Role = identity.Role,
            CreatedBy = actors.Current.Name,
            CreatedAt = Now,
        };
        await AddAsync(user, ct);
        return user;
    }

    /// <summary>Stores a new user; a concurrent one of the same name is a conflict, not a failure.</summary>
    private async Task AddAsync(ConsoleUser user, CancellationToken ct)
    {
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new ConflictException($"A user named '{user.UserName}' already exists.");
        }

        credentials.Invalidate();
    }

    /// <summary>Whether a sign-in made with this stamp still stands (user exists, password and role unchanged).</summary>
    public async Task<ConsoleUser?> ValidateStampAsync(Guid userId, string? stamp, CancellationToken ct = default)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        return user is not null && user.SecurityStamp == stamp ? user : null;
    }

    private static string NewStamp() => Guid.NewGuid().ToString("N");

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

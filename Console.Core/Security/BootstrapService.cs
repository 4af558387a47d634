using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Security;

/// <summary>
/// First run without a default password: <c>--bootstrap-admin NAME</c> creates the first admin with
/// a one-time password (changed at first sign-in) and an admin API key, both printed once.
/// </summary>
public sealed class BootstrapService(ConsoleDbContext db, UserService users, ApiKeyService keys)
{
    public async Task<BootstrapResult> BootstrapAdminAsync(string userName, CancellationToken ct = default)
    {
        if (await db.Users.AnyAsync(u => u.Role == Roles.Admin, ct))
        {
            throw new ConflictException("An admin user already exists: sign in as that admin and create more users or keys there.");
        }

        var created = await users.CreateAsync(new CreateUserRequest { UserName = userName, Role = Roles.Admin }, ct);
        var key = await keys.CreateAsync(new CreateApiKeyRequest { Name = $"bootstrap key of {created.User.UserName}", Role = Roles.Admin }, ct);
        return new BootstrapResult(created.User.UserName, created.OneTimePassword!, key.Key, key.Prefix);
    }
}

using System.Security.Claims;
using Console.Core.Security;

namespace Console.Web.Security;

/// <summary>
/// Whether a principal made earlier (a sign-in cookie, an open connection, a UI circuit) still
/// stands: its user exists with the same security stamp and role, or its key is still active.
/// </summary>
internal static class CredentialCheck
{
    public static async Task<bool> IsCurrentAsync(IServiceProvider services, ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(ConsoleClaims.Id), out var id))
        {
            return false;
        }

        return principal.FindFirstValue(ConsoleClaims.Kind) == ConsoleClaims.UserKind
            ? await services.GetRequiredService<UserService>().ValidateStampAsync(id, principal.FindFirstValue(ConsoleClaims.Stamp), ct) is { } user
                && user.Role == ConsoleClaims.RoleOf(principal)
            : await services.GetRequiredService<ApiKeyService>().IsActiveAsync(id, ct);
    }
}

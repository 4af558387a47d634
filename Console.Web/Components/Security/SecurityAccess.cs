using Console.Contracts.Security;
using Console.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace Console.Web.Components.Security;

/// <summary>Whether the circuit's user may manage keys, users and the audit log: an admin, or anyone while the console runs open.</summary>
public static class SecurityAccess
{
    public static async Task<bool> MayAdministerAsync(Task<AuthenticationState>? state, SecurityGate gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        var user = state is null ? null : (await state).User;
        return ConsoleClaims.IsAuthenticated(user)
            ? Roles.MayAdminister(ConsoleClaims.RoleOf(user))
            : await gate.IsOpenAsync();
    }
}

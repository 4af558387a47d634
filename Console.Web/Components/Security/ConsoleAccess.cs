using Console.Contracts.Security;
using Console.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace Console.Web.Components.Security;

/// <summary>
/// What the person looking at the console may do: the one place the UI asks before it offers a
/// write. The role is the signed-in user's, or the API key's for a key's session; an open console
/// (loopback, no users or keys yet) treats everyone as an admin, as the server does.
/// </summary>
public sealed record ConsoleAccess(string? Role, bool Open)
{
    /// <summary>Until the role is known nothing is offered.</summary>
    public static ConsoleAccess Unknown { get; } = new(null, Open: false);

    public bool MayOperate => Roles.MayOperate(Role);

    public bool MayAdminister => Roles.MayAdminister(Role);

    /// <summary>Whether this role reaches <paramref name="required"/> (viewer &lt; operator &lt; admin).</summary>
    public bool Allows(string required) => required switch
    {
        Roles.Admin => MayAdminister,
        Roles.Operator => MayOperate,
        Roles.Viewer => Roles.MayRead(Role),
        _ => false,
    };

    /// <summary>The tooltip of a control this role may not use: which role may.</summary>
    public string Refusal(string required) =>
        (required == Roles.Admin ? "Only admins may do this" : "Only operators and admins may do this")
        + (Role is null ? "." : $"; you are signed in as {Role}.");

    public static async Task<ConsoleAccess> ResolveAsync(Task<AuthenticationState>? state, SecurityGate gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        var user = state is null ? null : (await state).User;
        if (ConsoleClaims.IsAuthenticated(user))
        {
            return new ConsoleAccess(ConsoleClaims.RoleOf(user), Open: false);
        }

        return await gate.IsOpenAsync() ? new ConsoleAccess(Roles.Admin, Open: true) : Unknown;
    }
}

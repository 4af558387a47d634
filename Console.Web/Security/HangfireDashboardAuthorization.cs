using Console.Contracts.Security;
using Hangfire.Dashboard;

namespace Console.Web.Security;

/// <summary>
/// For <c>DashboardOptions.Authorization</c>: the console's own policy already let only admins (or
/// a local caller of an open console) reach /hangfire, so the dashboard trusts that decision instead
/// of Hangfire's local-requests-only rule, which would shut out admins on other machines.
/// </summary>
public sealed class HangfireDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        return Roles.MayAdminister(ConsoleClaims.RoleOf(http.User))
            || (!ConsoleClaims.IsAuthenticated(http.User) && SecurityGate.IsLocal(http)
                && http.RequestServices.GetRequiredService<SecurityGate>().IsOpenAsync(http).AsTask().GetAwaiter().GetResult());
    }
}

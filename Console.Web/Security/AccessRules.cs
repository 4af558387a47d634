using System.Security.Claims;
using System.Text.RegularExpressions;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Web.Security;

/// <summary>
/// Who may call what (docs/security.md has the table). Viewers read; operators also change pools,
/// queues, deployments and runs; admins also keys, users, the audit log and /hangfire. A worker
/// key reaches only the calls a worker makes, and only for its pools; everything else is 403.
/// </summary>
public static partial class AccessRules
{
    private enum WorkerScope { PoolRoute, PoolQuery, RunRoute }

    /// <summary>The worker's calls (Console.Worker's IConsoleApi), by method and route pattern.</summary>
    private static readonly Dictionary<(string Method, string Pattern), WorkerScope> WorkerCalls = new()
    {
        [("POST", "/api/work-pools/{pool}/workers/heartbeat")] = WorkerScope.PoolRoute,
        [("POST", "/api/work-pools/{pool}/poll")] = WorkerScope.PoolRoute,
        [("POST", "/api/work-pools/{pool}/infrastructure/reconcile")] = WorkerScope.PoolRoute,
        [("POST", "/api/work-pools/{pool}/infrastructure/released")] = WorkerScope.PoolRoute,
        [("GET", "/api/work-pools/{pool}")] = WorkerScope.PoolRoute,
        [("GET", "/api/work-pools/{pool}/queues")] = WorkerScope.PoolRoute,
        [("GET", "/api/work-pools/{pool}/queues/{queue}")] = WorkerScope.PoolRoute,
        [("GET", "/api/work-pools/{pool}/workers")] = WorkerScope.PoolRoute,
        [("GET", "/api/flow-runs")] = WorkerScope.PoolQuery,
        [("GET", "/api/flow-runs/{id}")] = WorkerScope.RunRoute,
        [("GET", "/api/flow-runs/{id}/history")] = WorkerScope.RunRoute,
        [("GET", "/api/flow-runs/{id}/logs")] = WorkerScope.RunRoute,
        [("POST", "/api/flow-runs/{id}/logs")] = WorkerScope.RunRoute,
        [("POST", "/api/flow-runs/{id}/state")] = WorkerScope.RunRoute,
        [("POST", "/api/flow-runs/{id}/token")] = WorkerScope.RunRoute,
    };

    /// <summary>What a run's own token may call, always on that run's id.</summary>
    private static readonly HashSet<(string Method, string Pattern)> RunCalls =
    [
        ("GET", "/api/flow-runs/{id}"),
        ("GET", "/api/flow-runs/{id}/logs"),
        ("POST", "/api/flow-runs/{id}/logs"),
        ("POST", "/api/flow-runs/{id}/state"),
    ];

    [GeneratedRegex(@"\{([^}:=?]+)[^}]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex Parameter();

    /// <summary>Null when the (authenticated) caller may make this request, else why not.</summary>
    public static async Task<string?> RefusalAsync(HttpContext http, ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(user);
        var path = http.Request.Path;
        var role = ConsoleClaims.RoleOf(user);
        if (user.HasClaim(c => c.Type == ConsoleClaims.MustChangePassword))
        {
            return path.StartsWithSegments(SecurityPaths.ChangePassword) || path.StartsWithSegments(SecurityPaths.Me)
                ? null
                : $"Choose your own password first: the one you signed in with was a one-time password ({SecurityPaths.ChangePassword}).";
        }

        if (path.StartsWithSegments(SecurityPaths.ChangePassword))
        {
            return user.FindFirstValue(ConsoleClaims.Kind) == ConsoleClaims.UserKind ? null : "Only people who sign in have a password.";
        }

        if (role == Roles.Run)
        {
            return await RunRefusalAsync(http, user);
        }

        if (path.StartsWithSegments(SecurityPaths.Me))
        {
            return null;
        }

        if (role == Roles.Worker)
        {
            return await WorkerRefusalAsync(http, user);
        }

        if (SecurityPaths.IsAdminArea(path))
        {
            return Roles.MayAdminister(role) ? null : $"Only admins manage keys, users, secrets and the audit log; your role is '{role}'.";
        }

        if (path.StartsWithSegments("/api") && !IsRead(http.Request.Method))
        {
            return Roles.MayOperate(role) ? null : $"The role '{role}' may read but not change anything.";
        }

        return Roles.MayRead(role) ? null : $"The role '{role}' has no access to this.";
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);

    private static async Task<string?> WorkerRefusalAsync(HttpContext http, ClaimsPrincipal user)
    {
        const string NotAWorkerCall = "A worker key may only heartbeat, poll, read its pools, report the states and logs of their runs and reconcile their infrastructure.";
        if (http.GetEndpoint() is not RouteEndpoint endpoint)
        {
            return NotAWorkerCall;
        }

        var method = HttpMethods.IsHead(http.Request.Method) ? "GET" : http.Request.Method.ToUpperInvariant();
        var pattern = Parameter().Replace(endpoint.RoutePattern.RawText ?? string.Empty, "{$1}").TrimEnd('/');
        if (!WorkerCalls.TryGetValue((method, pattern), out var scope))
        {
            return NotAWorkerCall;
        }

        var pools = ConsoleClaims.PoolsOf(user);
        var pool = scope switch
        {
            WorkerScope.PoolRoute => http.GetRouteValue("pool") as string,
            WorkerScope.PoolQuery => http.Request.Query["pool"].ToString(),
            _ => await RunPoolAsync(http),
        };
        if (string.IsNullOrEmpty(pool))
        {
            return scope == WorkerScope.PoolQuery
                ? "A worker key lists runs of its own pools only: add ?pool=<pool>."
                : "A worker key reaches only the runs of its pools.";
        }

        return pools.Contains(pool, StringComparer.Ordinal)
            ? null
            : $"This worker key serves {string.Join(", ", pools.Select(p => $"'{p}'"))}, not '{pool}'.";
    }

    private static async Task<string?> RunRefusalAsync(HttpContext http, ClaimsPrincipal user)
    {
        const string NotItsRun = "A run's token may only report that run's logs and state and read them back.";
        if (http.GetEndpoint() is not RouteEndpoint endpoint || !Guid.TryParse(http.GetRouteValue("id") as string, out var id)
            || !string.Equals(id.ToString(), user.FindFirstValue(ConsoleClaims.Id), StringComparison.OrdinalIgnoreCase))
        {
            return NotItsRun;
        }

        var method = HttpMethods.IsHead(http.Request.Method) ? "GET" : http.Request.Method.ToUpperInvariant();
        if (!RunCalls.Contains((method, Parameter().Replace(endpoint.RoutePattern.RawText ?? string.Empty, "{$1}").TrimEnd('/'))))
        {
            return NotItsRun;
        }

        var db = http.RequestServices.GetRequiredService<ConsoleDbContext>();
        var state = await db.FlowRuns.AsNoTracking().Where(r => r.Id == id).Select(r => (global::Console.Contracts.FlowRuns.FlowRunState?)r.State).FirstOrDefaultAsync(http.RequestAborted);
        return state is { } s && global::Console.Contracts.FlowRuns.FlowRunStates.Active.Contains(s) ? null : "This run has ended: its token is no longer valid.";
    }

    private static async Task<string?> RunPoolAsync(HttpContext http)
    {
        if (!Guid.TryParse(http.GetRouteValue("id") as string, out var id))
        {
            return null;
        }

        var db = http.RequestServices.GetRequiredService<ConsoleDbContext>();
        return await db.FlowRuns.AsNoTracking().Where(r => r.Id == id).Select(r => r.WorkPoolName).FirstOrDefaultAsync(http.RequestAborted);
    }
}

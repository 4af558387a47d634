using System.Security.Claims;
using Console.Contracts.Security;
using Console.Core.Security;
namespace Console.Web.Security;

/// <summary>The claims the console puts on a signed-in user or a key's caller, and the actor read back from them.</summary>
public static class ConsoleClaims
{
    public const string Kind = "console:kind";
    public const string Id = "console:id";
    public const string Pool = "console:pool";
    public const string Stamp = "console:stamp";
    public const string MustChangePassword = "console:must-change-password";

    public const string UserKind = "user";
    public const string KeyKind = "key";
    public const string WorkerKind = "worker";
    public const string RunKind = "run";

    public static ClaimsPrincipal ForUser(ConsoleUser user, string scheme)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.UserName),
            new(ClaimTypes.Role, user.Role),
            new(Kind, UserKind),
            new(Id, user.Id.ToString()),
            new(Stamp, user.SecurityStamp),
        };
        if (user.MustChangePassword)
        {
            claims.Add(new Claim(MustChangePassword, "true"));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    public static ClaimsPrincipal ForKey(ApiKey key, string scheme)
    {
        ArgumentNullException.ThrowIfNull(key);
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, $"{key.Name} ({key.Prefix})"),
            new(ClaimTypes.Role, key.Role),
            new(Kind, key.Role == Roles.Worker ? WorkerKind : KeyKind),
            new(Id, key.Id.ToString()),
        };
        claims.AddRange(ApiKeyService.PoolsOf(key).Select(p => new Claim(Pool, p)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>The web process's own worker: trusted like the server, named so the audit log says who.</summary>
    public static ClaimsPrincipal ForEmbeddedWorker(string scheme) => new(new ClaimsIdentity(
        [new(ClaimTypes.Name, "embedded-worker"), new(ClaimTypes.Role, Roles.Operator), new(Kind, WorkerKind)], scheme));

    /// <summary>A run's own token: its id is the actor's id, and its reports count as a worker's (not audited).</summary>
    public static ClaimsPrincipal ForRun(Guid runId, string scheme) => new(new ClaimsIdentity(
        [new(ClaimTypes.Name, $"run {runId}"), new(ClaimTypes.Role, Roles.Run), new(Kind, RunKind), new(Id, runId.ToString())], scheme));

    public static string? RoleOf(ClaimsPrincipal? user) => user?.FindFirstValue(ClaimTypes.Role);

    public static IReadOnlyList<string> PoolsOf(ClaimsPrincipal user) =>
        [.. (user ?? throw new ArgumentNullException(nameof(user))).FindAll(Pool).Select(c => c.Value)];

    public static bool IsAuthenticated(ClaimsPrincipal? user) => user?.Identity?.IsAuthenticated == true;

    public static Actor ActorOf(ClaimsPrincipal? user, string? remoteAddress)
    {
        if (user is null || !IsAuthenticated(user))
        {
            return new Actor(ActorKind.Anonymous, "anonymous", null, null, remoteAddress);
        }

        var kind = user.FindFirstValue(Kind) switch
        {
            UserKind => ActorKind.User,
            WorkerKind or RunKind => ActorKind.Worker,
            _ => ActorKind.Key,
        };
        Guid? id = Guid.TryParse(user.FindFirstValue(Id), out var parsed) ? parsed : null;
        return new Actor(kind, user.Identity!.Name ?? "unknown", RoleOf(user), id, remoteAddress);
    }
}

namespace Console.Web.Security;

/// <summary>The paths the security rules name.</summary>
public static class SecurityPaths
{
    public const string Hub = "/hubs/live";
    public const string Hangfire = "/hangfire";
    public const string Health = "/healthz";
    public const string SignIn = "/signin";
    public const string SignOut = "/signout";
    public const string ChangePassword = "/account/password";
    public const string Keys = "/api/keys";
    public const string Users = "/api/users";
    public const string Audit = "/api/audit";
    public const string Me = "/api/me";
    public const string Secrets = "/api/secrets";

    /// <summary>Answered with problem details (401/403), never with a redirect to the sign-in page.</summary>
    public static bool IsMachinePath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments(Hub) || path.StartsWithSegments("/openapi")
        || path.StartsWithSegments("/_blazor") || path.StartsWithSegments("/metrics") || path.StartsWithSegments(Hangfire + "/stats");

    /// <summary>Open to everyone: health, sign-in and out, the API description, the framework's and app's static files.</summary>
    public static bool IsPublic(PathString path) =>
        path.Equals(Health) || path.StartsWithSegments(SignIn) || path.StartsWithSegments(SignOut)
        || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/scalar")
        || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content") || path.Equals("/favicon.ico");

    public static bool IsAdminArea(PathString path) =>
        path.StartsWithSegments(Keys) || path.StartsWithSegments(Users) || path.StartsWithSegments(Audit) || path.StartsWithSegments(Secrets)
        || path.StartsWithSegments(Hangfire);
}

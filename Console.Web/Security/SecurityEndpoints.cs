using System.Security.Claims;
using Console.Contracts.Security;
using Console.Core.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Security;

/// <summary>REST for keys, users and the audit log (admins), and <c>/api/me</c> (anyone signed in).</summary>
public static class SecurityEndpoints
{
    public static IEndpointRouteBuilder MapSecurityEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var keys = app.MapGroup(SecurityPaths.Keys).WithTags("API keys")
            .RequireAuthorization(SecurityPolicies.Console).RequireRateLimiting(RateLimits.Admin);
        keys.MapGet("/", ListKeys).WithSummary("List API keys (never their secrets)");
        keys.MapPost("/", CreateKey).WithSummary("Create an API key; the answer is the only time the key is shown");
        keys.MapGet("/{id:guid}", GetKey).WithSummary("Get an API key");
        keys.MapDelete("/{id:guid}", RevokeKey).WithSummary("Revoke an API key at once");

        var users = app.MapGroup(SecurityPaths.Users).WithTags("Users")
            .RequireAuthorization(SecurityPolicies.Console).RequireRateLimiting(RateLimits.Admin);
        users.MapGet("/", ListUsers).WithSummary("List the people who sign in to the console");
        users.MapPost("/", CreateUser).WithSummary("Create a user; without a password a one-time password is generated and shown once");
        users.MapDelete("/{userName}", DeleteUser).WithSummary("Delete a user (never the last admin)");

        app.MapGet(SecurityPaths.Audit, ListAudit).WithTags("Audit")
            .RequireAuthorization(SecurityPolicies.Console).RequireRateLimiting(RateLimits.Admin)
            .WithSummary("Who changed what, newest first; ?limit=&resource=kind[/name]&actor=");

        var me = app.MapGroup(SecurityPaths.Me).WithTags("Users").RequireAuthorization(SecurityPolicies.Console);
        me.MapGet("/", Me).WithSummary("Who the caller is, and whether the console requires authentication");
        me.MapPost("/password", ChangePassword).RequireRateLimiting(RateLimits.SignIn).WithSummary("Change the signed-in user's password");

        app.MapSignInEndpoints();
        app.MapOidcSignIn();
        return app;
    }

    public static async Task<Ok<IReadOnlyList<ApiKeyDto>>> ListKeys(ApiKeyService keys, CancellationToken ct) =>
        TypedResults.Ok(await keys.ListAsync(ct));

    public static async Task<Created<CreatedApiKeyDto>> CreateKey(CreateApiKeyRequest request, ApiKeyService keys, CancellationToken ct)
    {
        var key = await keys.CreateAsync(request, ct);
        return TypedResults.Created($"{SecurityPaths.Keys}/{key.Id}", key);
    }

    public static async Task<Ok<ApiKeyDto>> GetKey(Guid id, ApiKeyService keys, CancellationToken ct) =>
        TypedResults.Ok(await keys.GetAsync(id, ct));

    public static async Task<NoContent> RevokeKey(Guid id, ApiKeyService keys, CancellationToken ct)
    {
        await keys.RevokeAsync(id, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<UserDto>>> ListUsers(UserService users, CancellationToken ct) =>
        TypedResults.Ok(await users.ListAsync(ct));

    public static async Task<Created<CreatedUserDto>> CreateUser(CreateUserRequest request, UserService users, CancellationToken ct)
    {
        var user = await users.CreateAsync(request, ct);
        return TypedResults.Created($"{SecurityPaths.Users}/{user.User.UserName}", user);
    }

    public static async Task<NoContent> DeleteUser(string userName, UserService users, CancellationToken ct)
    {
        await users.DeleteAsync(userName, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<AuditEntryDto>>> ListAudit(int? limit, string? resource, string? actor, AuditService audit, CancellationToken ct) =>
        TypedResults.Ok(await audit.ListAsync(limit, resource, actor, ct));

    public static async Task<Ok<WhoAmIDto>> Me(HttpContext http, SecurityGate gate)
    {
        ArgumentNullException.ThrowIfNull(http);
        var actor = ConsoleClaims.ActorOf(http.User, null);
        return TypedResults.Ok(new WhoAmIDto
        {
            Name = actor.Name,
            Kind = actor.KindName,
            Role = actor.Role,
            Pools = [.. ConsoleClaims.PoolsOf(http.User)],
            AuthRequired = !await gate.IsOpenAsync(http),
        });
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(ChangePasswordRequest request, HttpContext http, UserService users, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.User.FindFirstValue(ConsoleClaims.Kind) != ConsoleClaims.UserKind)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only people who sign in have a password.");
        }

        await users.ChangePasswordAsync(http.User.Identity!.Name!, request, ct);
        await SignInEndpoints.RefreshSignInAsync(http, users, ct);
        return TypedResults.NoContent();
    }
}

using Console.Contracts.Security;
using Console.Core.Secrets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Security;

/// <summary>
/// REST for secrets (admins only, docs/api.md): names, descriptions and times, never a value. The
/// value leaves the server only in a worker's claim answer (docs/security.md).
/// </summary>
public static class SecretEndpoints
{
    public static IEndpointRouteBuilder MapSecretEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var secrets = app.MapGroup(SecurityPaths.Secrets).WithTags("Secrets")
            .RequireAuthorization(SecurityPolicies.Console).RequireRateLimiting(RateLimits.Admin);
        secrets.MapGet("/", List).WithSummary("List secrets (never their values)");
        secrets.MapPost("/", Create).WithSummary("Create a secret; 409 when the name exists");
        secrets.MapGet("/{name}", Get).WithSummary("Get a secret (never its value)");
        secrets.MapGet("/{name}/usage", Usage).WithSummary("The deployments and work pools that name a secret");
        secrets.MapPut("/{name}", Replace).WithSummary("Replace a secret's value (and description, when given)");
        secrets.MapDelete("/{name}", Delete).WithSummary("Delete a secret; 409 while a deployment or pool names it");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<SecretDto>>> List(SecretService secrets, CancellationToken ct) =>
        TypedResults.Ok(await secrets.ListAsync(ct));

    public static async Task<Created<SecretDto>> Create(CreateSecretRequest request, SecretService secrets, CancellationToken ct)
    {
        var secret = await secrets.CreateAsync(request, ct);
        return TypedResults.Created($"{SecurityPaths.Secrets}/{secret.Name}", secret);
    }

    public static async Task<Ok<SecretDto>> Get(string name, SecretService secrets, CancellationToken ct) =>
        TypedResults.Ok(await secrets.GetAsync(name, ct));

    public static async Task<Ok<IReadOnlyList<SecretUser>>> Usage(string name, SecretService secrets, SecretUsage usage, CancellationToken ct)
    {
        await secrets.GetAsync(name, ct);
        return TypedResults.Ok(await usage.UsersOfAsync(name, ct));
    }

    public static async Task<Ok<SecretDto>> Replace(string name, UpdateSecretRequest request, SecretService secrets, CancellationToken ct) =>
        TypedResults.Ok(await secrets.UpdateAsync(name, request, ct));

    public static async Task<NoContent> Delete(string name, SecretService secrets, CancellationToken ct)
    {
        await secrets.DeleteAsync(name, ct);
        return TypedResults.NoContent();
    }
}

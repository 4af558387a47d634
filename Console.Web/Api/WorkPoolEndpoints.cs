using Console.Contracts;
using Console.Contracts.WorkPools;
using Console.Core.WorkPools;
using Console.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Console.Web.Api;

public static class WorkPoolEndpoints
{
    public static IEndpointRouteBuilder MapWorkPoolEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/work-pool-types", GetTypes).WithTags("Work pools").RequireAuthorization(SecurityPolicies.Console).WithSummary("Pool types and their default base job templates");

        var group = app.MapGroup("/api/work-pools").WithTags("Work pools").RequireAuthorization(SecurityPolicies.Console);
        group.MapGet("/", List).WithSummary("List work pools");
        group.MapPost("/", Create).WithSummary("Create a work pool (its default queue comes with it)");
        group.MapGet("/{pool}", Get).WithSummary("Get a work pool");
        group.MapPatch("/{pool}", Update).WithSummary("Update a work pool");
        group.MapDelete("/{pool}", Delete).WithSummary("Delete a work pool");
        group.MapPost("/{pool}/pause", Pause).WithSummary("Pause a work pool: its runs are not claimed");
        group.MapPost("/{pool}/resume", Resume).WithSummary("Resume a paused work pool");
        return app;
    }

    public static Ok<IReadOnlyList<WorkPoolTypeDto>> GetTypes(IOptions<WorkPoolOptions> options) => TypedResults.Ok(WorkPoolTypes.All(options.Value.DefaultImage));

    public static async Task<Ok<IReadOnlyList<WorkPoolDto>>> List(WorkPoolService pools, CancellationToken ct) =>
        TypedResults.Ok(await pools.ListAsync(ct));

    public static async Task<Created<WorkPoolDto>> Create(CreateWorkPoolRequest request, WorkPoolService pools, CancellationToken ct)
    {
        var pool = await pools.CreateAsync(request, ct);
        return TypedResults.Created($"/api/work-pools/{pool.Name}", pool);
    }

    public static async Task<Ok<WorkPoolDto>> Get(string pool, WorkPoolService pools, CancellationToken ct) =>
        TypedResults.Ok(await pools.GetAsync(pool, ct));

    public static async Task<Ok<WorkPoolDto>> Update(string pool, UpdateWorkPoolRequest request, WorkPoolService pools, CancellationToken ct) =>
        TypedResults.Ok(await pools.UpdateAsync(pool, request, ct));

    public static async Task<NoContent> Delete(string pool, WorkPoolService pools, CancellationToken ct)
    {
        await pools.DeleteAsync(pool, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<WorkPoolDto>> Pause(string pool, WorkPoolService pools, CancellationToken ct) =>
        TypedResults.Ok(await pools.SetPausedAsync(pool, paused: true, ct));

    public static async Task<Ok<WorkPoolDto>> Resume(string pool, WorkPoolService pools, CancellationToken ct) =>
        TypedResults.Ok(await pools.SetPausedAsync(pool, paused: false, ct));
}

using Console.Contracts;
using Console.Core.WorkQueues;
using Console.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Api;

public static class WorkQueueEndpoints
{
    public static IEndpointRouteBuilder MapWorkQueueEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/work-queues", ListAll).WithTags("Work queues").RequireAuthorization(SecurityPolicies.Console).WithSummary("List the queues of every pool");

        var group = app.MapGroup("/api/work-pools/{pool}/queues").WithTags("Work queues").RequireAuthorization(SecurityPolicies.Console);
        group.MapGet("/", List).WithSummary("List a pool's queues, by priority");
        group.MapPost("/", Create).WithSummary("Create a queue in a pool");
        group.MapGet("/{queue}", Get).WithSummary("Get a queue");
        group.MapPatch("/{queue}", Update).WithSummary("Update a queue");
        group.MapDelete("/{queue}", Delete).WithSummary("Delete a queue (never the default one)");
        group.MapPost("/{queue}/pause", Pause).WithSummary("Pause a queue");
        group.MapPost("/{queue}/resume", Resume).WithSummary("Resume a queue");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<WorkQueueDto>>> ListAll(WorkQueueService queues, CancellationToken ct) =>
        TypedResults.Ok(await queues.ListAsync(null, ct));

    public static async Task<Ok<IReadOnlyList<WorkQueueDto>>> List(string pool, WorkQueueService queues, CancellationToken ct) =>
        TypedResults.Ok(await queues.ListAsync(pool, ct));

    public static async Task<Created<WorkQueueDto>> Create(string pool, CreateWorkQueueRequest request, WorkQueueService queues, CancellationToken ct)
    {
        var queue = await queues.CreateAsync(pool, request, ct);
        return TypedResults.Created($"/api/work-pools/{pool}/queues/{queue.Name}", queue);
    }

    public static async Task<Ok<WorkQueueDto>> Get(string pool, string queue, WorkQueueService queues, CancellationToken ct) =>
        TypedResults.Ok(await queues.GetAsync(pool, queue, ct));

    public static async Task<Ok<WorkQueueDto>> Update(string pool, string queue, UpdateWorkQueueRequest request, WorkQueueService queues, CancellationToken ct) =>
        TypedResults.Ok(await queues.UpdateAsync(pool, queue, request, ct));

    public static async Task<NoContent> Delete(string pool, string queue, WorkQueueService queues, CancellationToken ct)
    {
        await queues.DeleteAsync(pool, queue, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<WorkQueueDto>> Pause(string pool, string queue, WorkQueueService queues, CancellationToken ct) =>
        TypedResults.Ok(await queues.SetPausedAsync(pool, queue, paused: true, ct));

    public static async Task<Ok<WorkQueueDto>> Resume(string pool, string queue, WorkQueueService queues, CancellationToken ct) =>
        TypedResults.Ok(await queues.SetPausedAsync(pool, queue, paused: false, ct));
}

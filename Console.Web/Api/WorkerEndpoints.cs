using Console.Contracts;
using Console.Core.Polling;
using Console.Core.Workers;
using Console.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Api;

public static class WorkerEndpoints
{
    public static IEndpointRouteBuilder MapWorkerEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/workers", ListAll).WithTags("Workers").RequireAuthorization(SecurityPolicies.Console).WithSummary("List the workers of every pool");

        var group = app.MapGroup("/api/work-pools/{pool}").WithTags("Workers").RequireAuthorization(SecurityPolicies.Console);
        group.MapGet("/workers", List).WithSummary("List a pool's workers");
        group.MapPost("/workers/heartbeat", Heartbeat).WithSummary("Record a worker's heartbeat");
        group.MapDelete("/workers/{worker}", Delete).WithSummary("Forget an offline worker");
        group.MapPost("/poll", Poll)
            .WithSummary("Claim due runs for a worker, long-polling up to waitSeconds")
            .WithDescription("Counts as a heartbeat and marks the polled queues as polled. Claimed runs are Pending and belong to the worker.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<WorkerDto>>> ListAll(WorkerService workers, CancellationToken ct) =>
        TypedResults.Ok(await workers.ListAsync(null, ct));

    public static async Task<Ok<IReadOnlyList<WorkerDto>>> List(string pool, WorkerService workers, CancellationToken ct) =>
        TypedResults.Ok(await workers.ListAsync(pool, ct));

    public static async Task<NoContent> Heartbeat(string pool, HeartbeatRequest request, WorkerService workers, WorkerImages images, CancellationToken ct)
    {
        WorkerImages.Validate(request.Images);
        var worker = await workers.HeartbeatAsync(pool, request, ct);
        // Apart from the heartbeat's own handling: what the engine holds only feeds preflight's image check.
        images.Record(pool, worker.Name, request.Images);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Delete(string pool, string worker, WorkerService workers, CancellationToken ct)
    {
        await workers.DeleteAsync(pool, worker, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<FlowRunDto>>> Poll(string pool, PollRequest request, PollService polls, CancellationToken ct) =>
        TypedResults.Ok(await polls.PollAsync(pool, request, ct));
}

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
        group.MapPost("/workers/{worker}/drain", Drain)
            .WithSummary("Drain a worker: it claims nothing new, finishes its runs and exits")
            .WithDescription("The worker learns of it from its next heartbeat's answer; the server refuses its claims from now on. 409 when the worker is offline.");
        group.MapPost("/poll", Poll)
            .WithSummary("Claim due runs for a worker, long-polling up to waitSeconds")
            .WithDescription("Counts as a heartbeat and marks the polled queues as polled. Claimed runs are Pending and belong to the worker.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<WorkerDto>>> ListAll(WorkerService workers, CancellationToken ct) =>
        TypedResults.Ok(await workers.ListAsync(null, ct));

    public static async Task<Ok<IReadOnlyList<WorkerDto>>> List(string pool, WorkerService workers, CancellationToken ct) =>
        TypedResults.Ok(await workers.ListAsync(pool, ct));

    /// <summary>204 as always; 200 with <see cref="HeartbeatAnswer"/> when the worker is asked to drain.</summary>
    public static async Task<Results<NoContent, Ok<HeartbeatAnswer>>> Heartbeat(string pool, HeartbeatRequest request, WorkerService workers, WorkerImages images, CancellationToken ct)
    {
        WorkerImages.Validate(request.Images);
        var worker = await workers.HeartbeatAsync(pool, request, ct);
        // Apart from the heartbeat's own handling: what the engine holds only feeds preflight's image check.
        images.Record(pool, worker.Name, request.Images);
        return worker.DrainingSince is { } since
            ? TypedResults.Ok(new HeartbeatAnswer { Draining = true, DrainingSince = since })
            : TypedResults.NoContent();
    }

    public static async Task<Ok<WorkerDto>> Drain(string pool, string worker, WorkerService workers, CancellationToken ct) =>
        TypedResults.Ok(await workers.DrainAsync(pool, worker, ct));

    public static async Task<NoContent> Delete(string pool, string worker, WorkerService workers, CancellationToken ct)
    {
        await workers.DeleteAsync(pool, worker, ct);
        return TypedResults.NoContent();
    }

    /// <summary>The claim's worker and queue views are built and published once the answer is written (the claim's scope lives until then).</summary>
    public static async Task<Ok<IReadOnlyList<FlowRunDto>>> Poll(string pool, PollRequest request, PollService polls, HttpContext http, CancellationToken ct)
    {
        var answer = await polls.PollAsync(pool, request, publish => http.Response.OnCompleted(publish), ct);
        if (answer.PoolTemplateTag is { } tag)
        {
            http.Response.Headers[PollAnswerHeaders.PoolTemplate] = tag;
        }

        return TypedResults.Ok(answer.Runs);
    }
}

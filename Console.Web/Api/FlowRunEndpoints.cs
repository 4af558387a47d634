using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.Diagnostics;
using Console.Core.FlowRuns;
using Console.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Console.Web.Api;

public static class FlowRunEndpoints
{
    public static IEndpointRouteBuilder MapFlowRunEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/flow-runs").WithTags("Flow runs").RequireAuthorization(SecurityPolicies.Console);
        group.MapGet("/", List).WithSummary("List flow runs, newest first; filters ?pool=&queue=&deployment=&state=&worker=&limit=");
        group.MapGet("/{id:guid}", Get).WithSummary("Get a flow run");
        group.MapGet("/{id:guid}/history", History).WithSummary("A flow run's state timeline");
        group.MapGet("/{id:guid}/waits", Waits).WithSummary("What the run waited for: its recorded waiting intervals with their reasons, oldest first");
        group.MapPost("/{id:guid}/state", SetState).WithSummary("Report a state; 409 when the rules forbid the transition");
        group.MapPost("/{id:guid}/cancel", Cancel).WithSummary("Cancel a run: Cancelled when not started, else Cancelling");
        group.MapGet("/{id:guid}/logs", GetLogs).WithSummary("Log lines after ?after={seq}");
        group.MapPost("/{id:guid}/logs", AddLogs).WithSummary("Append log lines");
        group.MapPost("/{id:guid}/token", IssueToken)
            .WithSummary("A short-lived token for the run's own process: it may report and read that run's logs and state, until the run ends");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<FlowRunDto>>> List(
        string? pool, string? queue, Guid? deployment, FlowRunState? state, string? worker, int? limit,
        FlowRunService runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.ListAsync(new FlowRunQuery
        {
            Pool = pool, Queue = queue, Deployment = deployment, State = state, Worker = worker, Limit = limit,
        }, ct));

    public static async Task<Ok<FlowRunDto>> Get(Guid id, FlowRunService runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.GetAsync(id, ct));

    public static async Task<Ok<IReadOnlyList<StateChangeDto>>> History(Guid id, FlowRunService runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.HistoryAsync(id, ct));

    public static async Task<Ok<IReadOnlyList<FlowRunWaitDto>>> Waits(Guid id, WaitHistory waits, CancellationToken ct) =>
        TypedResults.Ok(await waits.ListAsync(id, ct));

    public static async Task<Ok<FlowRunDto>> SetState(Guid id, SetStateRequest request, FlowRunService runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.SetStateAsync(id, request, ct));

    public static async Task<Ok<FlowRunDto>> Cancel(Guid id, FlowRunService runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.CancelAsync(id, ct));

    public static async Task<Ok<IReadOnlyList<LogLineDto>>> GetLogs(Guid id, long? after, int? limit, FlowRunService runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.GetLogsAsync(id, after ?? 0, limit ?? 1000, ct));

    public static async Task<Ok<RunTokenDto>> IssueToken(Guid id, FlowRunService runs, RunTokens tokens, CancellationToken ct)
    {
        var run = await runs.GetAsync(id, ct);
        if (!run.State.IsActive())
        {
            throw new global::Console.Contracts.Common.ConflictException($"Flow run '{id}' has ended ({run.State}): it needs no token.");
        }

        return TypedResults.Ok(tokens.Issue(id));
    }

    public static async Task<NoContent> AddLogs(Guid id, IReadOnlyList<NewLogLine> lines, FlowRunService runs, CancellationToken ct)
    {
        await runs.AddLogsAsync(id, lines, ct);
        return TypedResults.NoContent();
    }
}

using Console.Contracts;
using Console.Contracts.FlowRuns;
namespace Console.Worker.Api;

/// <summary>The part of the REST API (docs/api.md) a worker uses. Errors surface as <see cref="ConsoleApiException"/>.</summary>
public interface IConsoleApi
{
    /// <returns>The pool, or null when it does not exist.</returns>
    Task<WorkPoolDto?> GetPoolAsync(string pool, CancellationToken cancellationToken);

    Task<WorkPoolDto> CreatePoolAsync(string pool, string type, CancellationToken cancellationToken);

    /// <returns>Null (204) unless the server asks something of the worker, e.g. to drain.</returns>
    Task<HeartbeatAnswer?> HeartbeatAsync(string pool, HeartbeatRequest request, CancellationToken cancellationToken);

    /// <summary>Long-polls the pool and returns the runs claimed for this worker (state Pending).</summary>
    Task<PollResult> PollAsync(string pool, PollRequest request, CancellationToken cancellationToken);

    /// <exception cref="ConsoleApiException">409 when the orchestration rules refuse the transition.</exception>
    Task<FlowRunDto> SetStateAsync(Guid flowRunId, SetStateRequest request, CancellationToken cancellationToken);

    /// <returns>The run, or null when it does not exist.</returns>
    Task<FlowRunDto?> GetRunAsync(Guid flowRunId, CancellationToken cancellationToken);

    Task<IReadOnlyList<FlowRunDto>> ListRunsAsync(string pool, string worker, FlowRunState? state, CancellationToken cancellationToken);

    Task PostLogsAsync(Guid flowRunId, IReadOnlyList<NewLogLine> lines, CancellationToken cancellationToken);

    Task<IReadOnlyList<LogLineDto>> GetLogsAsync(Guid flowRunId, long after, CancellationToken cancellationToken);

    /// <summary>Asks which of the infrastructure found with the pool's labels no run owns any more (fencing).</summary>
    Task<ReconcileAnswer> ReconcileAsync(string pool, ReconcileRequest request, CancellationToken cancellationToken);

    /// <summary>Reports infrastructure stopped and removed, which frees the slots its ended runs held.</summary>
    Task<ReleasedAnswer> ReportReleasedAsync(string pool, ReleasedRequest request, CancellationToken cancellationToken);

    /// <summary>A token for the run's own process, scoped to that run (never the worker's key).</summary>
    Task<RunTokenDto> IssueRunTokenAsync(Guid flowRunId, CancellationToken cancellationToken);
}

/// <summary>The runs a poll claimed, and the tag of the pool template the claim read (null: not said).</summary>
public sealed record PollResult(IReadOnlyList<FlowRunDto> Runs, string? PoolTemplate);

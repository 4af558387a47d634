using Console.Contracts;
using Console.Contracts.FlowRuns;
namespace Console.Worker.Api;

/// <summary>The part of the REST API (API.md) a worker uses. Errors surface as <see cref="ConsoleApiException"/>.</summary>
public interface IConsoleApi
{
    /// <returns>The pool, or null when it does not exist.</returns>
    Task<WorkPoolDto?> GetPoolAsync(string pool, CancellationToken cancellationToken);

    Task<WorkPoolDto> CreatePoolAsync(string pool, string type, CancellationToken cancellationToken);

    Task HeartbeatAsync(string pool, HeartbeatRequest request, CancellationToken cancellationToken);

    /// <summary>Long-polls the pool and returns the runs claimed for this worker (state Pending).</summary>
    Task<IReadOnlyList<FlowRunDto>> PollAsync(string pool, PollRequest request, CancellationToken cancellationToken);

    /// <exception cref="ConsoleApiException">409 when the orchestration rules refuse the transition.</exception>
    Task<FlowRunDto> SetStateAsync(Guid flowRunId, SetStateRequest request, CancellationToken cancellationToken);

    /// <returns>The run, or null when it does not exist.</returns>
    Task<FlowRunDto?> GetRunAsync(Guid flowRunId, CancellationToken cancellationToken);

    Task<IReadOnlyList<FlowRunDto>> ListRunsAsync(string pool, string worker, FlowRunState? state, CancellationToken cancellationToken);

    Task PostLogsAsync(Guid flowRunId, IReadOnlyList<NewLogLine> lines, CancellationToken cancellationToken);

    Task<IReadOnlyList<LogLineDto>> GetLogsAsync(Guid flowRunId, long after, CancellationToken cancellationToken);
}

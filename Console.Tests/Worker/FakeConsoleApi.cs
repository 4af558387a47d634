using System.Collections.Concurrent;
using System.Net;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Worker.Api;

namespace Console.Tests.Worker;

/// <summary>An in-memory stand-in for the server's REST API: records what the worker sends, can be "down".</summary>
internal sealed class FakeConsoleApi : IConsoleApi
{
    public volatile bool Down;

    public ConcurrentQueue<(Guid RunId, string What)> Calls { get; } = new();

    public ConcurrentDictionary<Guid, FlowRunState> RefuseState { get; } = new();

    public Task<WorkPoolDto?> GetPoolAsync(string pool, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<WorkPoolDto> CreatePoolAsync(string pool, string type, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<HeartbeatAnswer?> HeartbeatAsync(string pool, HeartbeatRequest request, CancellationToken cancellationToken) => Task.FromResult<HeartbeatAnswer?>(null);

    public Task<PollResult> PollAsync(string pool, PollRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new PollResult([], null));

    public Task<FlowRunDto> SetStateAsync(Guid flowRunId, SetStateRequest request, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        if (RefuseState.TryGetValue(flowRunId, out var refused) && refused == request.State)
        {
            throw new ConsoleApiException(HttpStatusCode.Conflict, $"A run cannot move to {refused}.");
        }

        Calls.Enqueue((flowRunId, $"state:{request.State}"));
        return Task.FromResult(WorkerTestKit.Run() with { Id = flowRunId, State = request.State ?? FlowRunState.Pending });
    }

    public Task<FlowRunDto?> GetRunAsync(Guid flowRunId, CancellationToken cancellationToken) => Task.FromResult<FlowRunDto?>(null);

    public Task<IReadOnlyList<FlowRunDto>> ListRunsAsync(string pool, string worker, FlowRunState? state, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FlowRunDto>>([]);

    public Task PostLogsAsync(Guid flowRunId, IReadOnlyList<NewLogLine> lines, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        Calls.Enqueue((flowRunId, "logs:" + string.Join(",", lines.Select(l => l.Message))));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LogLineDto>> GetLogsAsync(Guid flowRunId, long after, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LogLineDto>>([]);

    public Task<ReconcileAnswer> ReconcileAsync(string pool, ReconcileRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new ReconcileAnswer());

    public Task<ReleasedAnswer> ReportReleasedAsync(string pool, ReleasedRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new ReleasedAnswer(0));

    public Task<RunTokenDto> IssueRunTokenAsync(Guid flowRunId, CancellationToken cancellationToken) =>
        Task.FromResult(new RunTokenDto($"cxr_fake-{flowRunId:N}", DateTime.UtcNow.AddHours(1)));

    public IReadOnlyList<string> CallsFor(Guid runId) => [.. Calls.Where(c => c.RunId == runId).Select(c => c.What)];

    private void ThrowIfDown()
    {
        if (Down)
        {
            throw new HttpRequestException("Connection refused");
        }
    }
}

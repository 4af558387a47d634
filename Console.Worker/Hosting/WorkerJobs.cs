using Hangfire;

namespace Console.Worker.Hosting;

/// <summary>
/// The recurring jobs the worker's own Hangfire server runs. They only poke the processor: no job
/// ever runs a flow (a run outlives any invisibility timeout; the worker supervises runs itself).
/// </summary>
public sealed class WorkerJobs(WorkerProcessor processor)
{
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task HeartbeatAsync(CancellationToken cancellationToken) => processor.HeartbeatAsync(cancellationToken);

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public Task WatchdogAsync(CancellationToken cancellationToken) => processor.WatchdogAsync(cancellationToken);
}

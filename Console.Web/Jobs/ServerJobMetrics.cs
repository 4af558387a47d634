using Console.Core.Metrics;

namespace Console.Web.Jobs;

/// <summary>Puts the server jobs' record (<see cref="ServerJobClock"/>) on /metrics.</summary>
internal sealed class ServerJobMetrics(ConsoleMetrics metrics, ServerJobClock clock) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.ObserveServerJobs(() => [.. clock.Current().Select(s => (s.Id, s.SecondsSinceRun, s.Overdue))]);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

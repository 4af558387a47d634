using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Console.Worker.Hosting;

/// <summary>
/// Thin host adapter: starts the processor and the worker's Hangfire server, stops both with the host.
/// A worker that is its own process (<see cref="WorkerOptions.DrainOnStop"/>) drains before it stops,
/// and stops its process once a drain asked for over REST is over.
/// </summary>
public sealed class WorkerHostedService(
    WorkerProcessor processor, WorkerScheduler scheduler, WorkerDrain drain, IHostApplicationLifetime lifetime,
    IOptions<WorkerOptions> options, IEnumerable<IWorkerHostSignals> signals) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource([stoppingToken, .. signals.Select(s => s.Stopping)]);
        try
        {
            foreach (var signal in signals)
            {
                await signal.ReadyAsync(stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return; // stopped before it ever started
        }

        await processor.StartAsync(stopping.Token);
        scheduler.Start();
        var stopped = Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        var drainedFirst = await Task.WhenAny(stopped, processor.Drained) == processor.Drained;
        if (!drainedFirst && options.Value.DrainOnStop)
        {
            // SIGTERM, Ctrl+C, a systemd or Kubernetes stop: the runs end first (a second stop request ends the wait).
            await processor.DrainAsync("the worker was asked to stop", drain.Immediate);
        }

        // Heartbeats end before the worker says it stopped, so none lands after its last word.
        await scheduler.StopAsync(CancellationToken.None);
        await processor.StopAsync(CancellationToken.None);
        if (drainedFirst && options.Value.DrainOnStop)
        {
            lifetime.StopApplication();
        }
    }

    /// <summary>The host's shutdown timeout, like a second stop request, ends a drain at once.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using var hard = cancellationToken.Register(drain.StopNow);
        await base.StopAsync(CancellationToken.None);
    }
}

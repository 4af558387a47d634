using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Console.Worker.Hosting;

/// <summary>Thin host adapter: starts the processor and the worker's Hangfire server, stops both with the host.</summary>
public sealed class WorkerHostedService(
    WorkerProcessor processor, WorkerScheduler scheduler, IOptions<WorkerOptions> options, IEnumerable<IWorkerHostSignals> signals) : BackgroundService
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
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // the host is stopping
        }

        await scheduler.StopAsync(CancellationToken.None);
        await processor.StopAsync(CancellationToken.None);
    }
}

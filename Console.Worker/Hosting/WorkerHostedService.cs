using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Console.Worker.Hosting;

/// <summary>Thin host adapter: starts the processor and the worker's Hangfire server, stops both with the host.</summary>
public sealed class WorkerHostedService(WorkerProcessor processor, WorkerScheduler scheduler, IOptions<WorkerOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        await processor.StartAsync(stoppingToken);
        scheduler.Start();
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // the host is stopping
        }

        await scheduler.StopAsync(CancellationToken.None);
        await processor.StopAsync(CancellationToken.None);
    }
}

using Microsoft.Extensions.Hosting;

namespace Console.Core.Common;

/// <summary>
/// Background work on a fixed period that runs once more when the host stops, so what it keeps for
/// its next tick is not left behind (the heartbeat flush, the SQLite checkpoint). Real time even
/// under a test clock: how often to write is plumbing, not a rule users read.
/// </summary>
public abstract class PeriodicBackgroundService : BackgroundService
{
    protected abstract TimeSpan Period { get; }

    /// <summary>One pass; it handles its own failures (one that escapes ends the loop for good).</summary>
    protected abstract Task TickAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TickAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await TickAsync(cancellationToken);
    }
}

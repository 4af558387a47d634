using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Console.Worker.Memory;

/// <summary>
/// Gives memory the process no longer uses back to the operating system, so an idle server or
/// worker does not keep what its start-up or a busy hour once needed (docs/decisions/0010). Once,
/// after start-up: a compacting collection of the managed heap that returns its free regions.
/// Then every <see cref="MemoryTrimOptions.IntervalSeconds"/>: the native heap's free pages, which
/// glibc keeps otherwise (an idle server's anonymous memory grew by 17 MB from its first to its
/// third minute without them trimmed, and stayed flat with them trimmed).
/// </summary>
public sealed class MemoryTrimmer(IOptions<MemoryTrimOptions> options, TimeProvider time, IMemoryTrim trim) : BackgroundService
{
    /// <summary>When start-up's work (migrations, the first jobs, the worker's first poll) is over.</summary>
    public static readonly TimeSpan FirstPass = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.IntervalSeconds;
        if (seconds == 0 || !trim.CanTrim)
        {
            return;
        }

        try
        {
            await Task.Delay(FirstPass, time, stoppingToken);
            trim.CollectManaged();
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), time);
            do
            {
                trim.TrimNative();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

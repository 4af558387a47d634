using Console.Contracts.Common;
using Console.Contracts.FlowRuns;

namespace Console.Core.FlowRuns;

/// <summary>
/// What a run cost (docs/api.md, "FlowRun.usage"): the CPU time and peak memory its worker measured,
/// and the wait and run time its timestamps tell. The one place usage is checked, stored and shown.
/// </summary>
public static class RunUsage
{
    /// <summary>About 31 years of one core: more is no measurement.</summary>
    public const double MaxCpuSeconds = 1e9;

    /// <summary>1 PiB.</summary>
    public const long MaxPeakMemoryBytes = 1L << 50;

    /// <summary>Refuses a reported usage that no infrastructure can have measured (400, naming the field).</summary>
    public static void Validate(FlowRunUsageDto? usage)
    {
        if (usage?.CpuSeconds is { } cpu && (!double.IsFinite(cpu) || cpu is < 0 or > MaxCpuSeconds))
        {
            throw new InvalidRequestException("usage.cpuSeconds", $"CPU seconds are a number from 0 to {MaxCpuSeconds:0}.");
        }

        if (usage?.PeakMemoryBytes is < 0 or > MaxPeakMemoryBytes)
        {
            throw new InvalidRequestException("usage.peakMemoryBytes", $"Peak memory is 0 to {MaxPeakMemoryBytes} bytes (1 PiB).");
        }
    }

    /// <summary>
    /// Adds an ended attempt's usage to the run: CPU adds up over attempts (what the run cost in all),
    /// the peak is the highest of any attempt. Only wait and run time are the server's own, so only
    /// CPU and memory are read from a report.
    /// </summary>
    public static void Add(FlowRun run, FlowRunUsageDto? usage)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (usage?.CpuSeconds is { } cpu)
        {
            run.CpuSeconds = Math.Min(MaxCpuSeconds, (run.CpuSeconds ?? 0) + cpu);
        }

        if (usage?.PeakMemoryBytes is { } peak && (run.PeakMemoryBytes is null || peak > run.PeakMemoryBytes))
        {
            run.PeakMemoryBytes = peak;
        }
    }

    /// <summary>
    /// The run's usage as the API shows it; null while nothing is known (not claimed yet). Waited:
    /// from the expected start (or creation, if later) to the claim of its last attempt. Ran: from
    /// Running to its end.
    /// </summary>
    public static FlowRunUsageDto? Of(FlowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var due = run.ExpectedStartAt > run.CreatedAt ? run.ExpectedStartAt : run.CreatedAt;
        double? waited = run.ClaimedAt is { } claimed ? Math.Max(0, (claimed - due).TotalSeconds) : null;
        double? ran = run is { StartedAt: { } started, EndedAt: { } ended } ? Math.Max(0, (ended - started).TotalSeconds) : null;
        return run.CpuSeconds is null && run.PeakMemoryBytes is null && waited is null && ran is null
            ? null
            : new FlowRunUsageDto { CpuSeconds = run.CpuSeconds, PeakMemoryBytes = run.PeakMemoryBytes, WaitSeconds = waited, RunSeconds = ran };
    }
}

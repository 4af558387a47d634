namespace Console.Contracts.FlowRuns;

/// <summary>
/// What a run cost (docs/api.md, "FlowRun.usage"): CPU and peak memory of its container, Swarm task
/// or process tree as the worker measured them, and how long it waited and ran (from its timestamps).
/// </summary>
public sealed record FlowRunUsageDto
{
    public double? CpuSeconds { get; init; }
    public long? PeakMemoryBytes { get; init; }

    /// <summary>From the expected start (or creation, if later) to the claim of the last attempt.</summary>
    public double? WaitSeconds { get; init; }

    /// <summary>From Running to the final state.</summary>
    public double? RunSeconds { get; init; }
}

/// <summary>
/// One recorded waiting interval of a run (<c>GET /api/flow-runs/{id}/waits</c>): from when the
/// reasons held, to when they changed or the run was claimed (null while it still waits).
/// </summary>
public sealed record FlowRunWaitDto
{
    public DateTime From { get; init; }
    public DateTime? To { get; init; }

    /// <summary>The blocking reasons as the diagnosis words them.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>The reasons' stable codes, in the same order (see <c>DiagnosisCodes</c>).</summary>
    public IReadOnlyList<string> Codes { get; init; } = [];
    public int Attempt { get; init; } = 1;
}

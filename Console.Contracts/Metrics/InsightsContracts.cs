namespace Console.Contracts.Metrics;

public enum InsightsRange
{
    /// <summary>The last hour in 5-minute buckets.</summary>
    Hour,

    /// <summary>The last day in 1-hour buckets.</summary>
    Day,

    /// <summary>The last week in 6-hour buckets.</summary>
    Week,
}

public sealed record InsightsQuery
{
    public string? Pool { get; init; }
    public Guid? Deployment { get; init; }
    public InsightsRange Range { get; init; } = InsightsRange.Hour;
}

/// <summary>Time series for the insights charts; every array has one value per bucket.</summary>
public sealed record InsightsDto
{
    public DateTime From { get; init; }
    public DateTime To { get; init; }
    public int BucketSeconds { get; init; }

    /// <summary>Bucket starts (UTC).</summary>
    public IReadOnlyList<DateTime> Buckets { get; init; } = [];

    /// <summary>Runs created in each bucket.</summary>
    public int[] RunsCreated { get; init; } = [];

    /// <summary>
    /// Final state (Completed, Failed, Cancelled, Crashed) -> how many runs ended in that state in each
    /// bucket; a run counts once, in the bucket of its end.
    /// </summary>
    public IReadOnlyDictionary<string, int[]> RunsByState { get; init; } = new Dictionary<string, int[]>();

    /// <summary>Due, unclaimed runs at each bucket's end (late ones included).</summary>
    public int[] Waiting { get; init; } = [];

    public int[] Late { get; init; } = [];

    /// <summary>Seconds the oldest waiting run had waited past its expected start, at each bucket's end.</summary>
    public double[] OldestWaitSeconds { get; init; } = [];

    /// <summary>Dispatch latency (created -> claimed) percentiles of the claims in each bucket, in seconds (millisecond precision); null without claims.</summary>
    public double?[] LatencyP50 { get; init; } = [];

    public double?[] LatencyP90 { get; init; } = [];

    public double?[] LatencyP99 { get; init; } = [];

    public LatencySummary Latency { get; init; } = new(0, null, null, null, null);

    public BacklogNow Backlog { get; init; } = new(0, 0, 0, null);
}

/// <summary>Dispatch latency over the whole range, in seconds.</summary>
public sealed record LatencySummary(int Claims, double? P50, double? P90, double? P99, double? Max);

/// <summary>The backlog right now: all Scheduled runs, the late ones, and the oldest due run's wait.</summary>
public sealed record BacklogNow(int Scheduled, int Late, double OldestWaitSeconds, DateTime? OldestExpectedStartAt);

public sealed record InsightsPool(string Name, bool IsPaused, int Scheduled, int Late, int Active, double OldestWaitSeconds);

public sealed record InsightsDeployment(Guid Id, string FlowName, string Name);

/// <summary>What each deployment's runs that ended in the range used (<c>GET /api/insights/usage</c>), most CPU first.</summary>
public sealed record UsageInsightsDto
{
    public DateTime From { get; init; }
    public DateTime To { get; init; }
    public IReadOnlyList<DeploymentUsage> Deployments { get; init; } = [];
}

/// <summary>
/// One deployment's ended runs with a measured usage: their CPU time added up (hours) and the
/// highest peak memory of any of them.
/// </summary>
public sealed record DeploymentUsage(Guid? DeploymentId, string FlowName, string DeploymentName, int Runs, double CpuHours, long? PeakMemoryBytes);

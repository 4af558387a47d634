using Console.Contracts.FlowRuns;

namespace Console.Contracts.Deployments;

/// <summary>
/// A deployment's retry policy: a run ending in one of <see cref="On"/> gets another attempt (same
/// run id, parameters and job variables) after <c>delaySeconds * backoffFactor^(attempt-1)</c>,
/// give or take <see cref="JitterPercent"/>, until <see cref="MaxRetries"/> retries are spent.
/// </summary>
public sealed record RetryPolicyDto
{
    /// <summary>0-100.</summary>
    public int MaxRetries { get; init; }

    /// <summary>Delay before the first retry; at least 0.</summary>
    public int DelaySeconds { get; init; } = 10;

    /// <summary>Each further retry waits this many times longer; at least 1.</summary>
    public double BackoffFactor { get; init; } = 1;

    /// <summary>0-100: each delay is moved at random by up to this share of itself.</summary>
    public int JitterPercent { get; init; }

    /// <summary>The final states that are retried: any of Failed, Crashed, TimedOut.</summary>
    public IReadOnlyList<FlowRunState> On { get; init; } = FlowRunStates.Retryable;

    /// <summary>Equal policies retry the same: <see cref="On"/> is compared as a set, not by reference or order.</summary>
    public bool Equals(RetryPolicyDto? other) =>
        other is not null && (MaxRetries, DelaySeconds, BackoffFactor, JitterPercent) == (other.MaxRetries, other.DelaySeconds, other.BackoffFactor, other.JitterPercent)
        && On.ToHashSet().SetEquals(other.On);

    public override int GetHashCode() =>
        HashCode.Combine(MaxRetries, DelaySeconds, BackoffFactor, JitterPercent, On.Distinct().Aggregate(0, (mask, state) => mask | (1 << (int)state)));
}

/// <summary>What happens to runs that could not start on time.</summary>
public sealed record LatePolicyDto
{
    /// <summary>A run not claimed this long after its expected start ends Skipped, saying how late it was.</summary>
    public int? SkipAfterSeconds { get; init; }

    /// <summary>The most waiting (Scheduled) runs the deployment keeps; the oldest beyond it are Skipped.</summary>
    public int? MaxScheduled { get; init; }

    /// <summary>
    /// The skip rule, in one place for the late-policy job that skips such a run and the claim that
    /// must never take it in between: not started <paramref name="skipAfterSeconds"/> after its expected start.
    /// </summary>
    public static bool IsTooLate(DateTime expectedStartAt, int skipAfterSeconds, DateTime now) =>
        expectedStartAt.AddSeconds(skipAfterSeconds) < now;
}

/// <summary>What a new run does when its deployment's concurrency limit is full.</summary>
public enum CollisionStrategy
{
    /// <summary>Wait for a slot (the default).</summary>
    Enqueue,

    /// <summary>End Cancelled at once, saying why.</summary>
    CancelNew,
}

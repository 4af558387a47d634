namespace Console.Contracts.FlowRuns;

/// <summary>
/// The states of a flow run. <see cref="Late"/> is never stored: it is a Scheduled run whose
/// expected start is past the late threshold, derived on read so it is always right.
/// </summary>
public enum FlowRunState
{
    Scheduled,
    Late,
    Pending,
    Running,
    Completed,
    Failed,
    Cancelling,
    Cancelled,
    Crashed,

    /// <summary>Waiting for its next attempt (its deployment retries); claimable once <c>nextAttemptAt</c> is due, like a Scheduled run.</summary>
    AwaitingRetry,

    /// <summary>Final: ran longer than its deployment's <c>timeoutSeconds</c> and was stopped.</summary>
    TimedOut,

    /// <summary>Final: never started, because it was later than its deployment's late policy allows (or beyond <c>maxScheduled</c>).</summary>
    Skipped,
}

public static class FlowRunStates
{
    public static bool IsTerminal(this FlowRunState state) =>
        state is FlowRunState.Completed or FlowRunState.Failed or FlowRunState.Cancelled or FlowRunState.Crashed
            or FlowRunState.TimedOut or FlowRunState.Skipped;

    /// <summary>States that hold a concurrency slot.</summary>
    public static bool IsActive(this FlowRunState state) =>
        state is FlowRunState.Pending or FlowRunState.Running or FlowRunState.Cancelling;

    public static readonly FlowRunState[] Active = [FlowRunState.Pending, FlowRunState.Running, FlowRunState.Cancelling];

    /// <summary>The final states (<see cref="IsTerminal"/>), for queries.</summary>
    public static readonly FlowRunState[] Terminal =
    [
        FlowRunState.Completed, FlowRunState.Failed, FlowRunState.Cancelled, FlowRunState.Crashed,
        FlowRunState.TimedOut, FlowRunState.Skipped,
    ];

    /// <summary>States a claim takes (once due): a new run or one waiting for its next attempt.</summary>
    public static readonly FlowRunState[] Claimable = [FlowRunState.Scheduled, FlowRunState.AwaitingRetry];

    /// <summary>Final states a deployment's retry policy may retry (Cancelled and Skipped never are).</summary>
    public static readonly FlowRunState[] Retryable = [FlowRunState.Failed, FlowRunState.Crashed, FlowRunState.TimedOut];
}

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
}

public static class FlowRunStates
{
    public static bool IsTerminal(this FlowRunState state) =>
        state is FlowRunState.Completed or FlowRunState.Failed or FlowRunState.Cancelled or FlowRunState.Crashed;

    /// <summary>States that hold a concurrency slot.</summary>
    public static bool IsActive(this FlowRunState state) =>
        state is FlowRunState.Pending or FlowRunState.Running or FlowRunState.Cancelling;

    public static readonly FlowRunState[] Active = [FlowRunState.Pending, FlowRunState.Running, FlowRunState.Cancelling];

    /// <summary>The final states (<see cref="IsTerminal"/>), for queries.</summary>
    public static readonly FlowRunState[] Terminal = [FlowRunState.Completed, FlowRunState.Failed, FlowRunState.Cancelled, FlowRunState.Crashed];
}

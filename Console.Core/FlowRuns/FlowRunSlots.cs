using Console.Contracts.FlowRuns;

namespace Console.Core.FlowRuns;

/// <summary>
/// Which runs hold a concurrency slot: the active ones (Pending, Running, Cancelling), and the ones
/// the lease reaper ended while their infrastructure may still run, until a worker confirms it gone
/// or the hold bound passes (docs/reliability.md, "Fencing").
/// </summary>
public static class FlowRunSlots
{
    /// <summary>
    /// The runs of a pool that hold a slot. Two index seeks in one statement (UNION ALL): an OR of
    /// both conditions would make SQLite walk every run of the pool. A held run is never active, so
    /// nothing is counted twice.
    /// </summary>
    /// <param name="heldAfter">Holds younger than this count (<see cref="HeldAfter"/>).</param>
    public static IQueryable<FlowRun> OfPool(IQueryable<FlowRun> runs, Guid poolId, DateTime heldAfter)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return runs.Where(r => r.PoolId == poolId && FlowRunStates.Active.Contains(r.State))
            .Concat(runs.Where(r => r.PoolId == poolId && r.InfrastructureHeldSince > heldAfter));
    }

    /// <summary>The cutoff of held slots at <paramref name="now"/> for a bound in seconds (0: holds never lapse).</summary>
    public static DateTime HeldAfter(DateTime now, int holdSeconds) =>
        holdSeconds <= 0 ? DateTime.MinValue : now.AddSeconds(-holdSeconds);
}

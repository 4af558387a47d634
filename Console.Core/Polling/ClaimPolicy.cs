using Console.Contracts.FlowRuns;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Polling;

/// <summary>
/// Which queues a poll may claim from, in which order, and which runs hold a slot: the rules the
/// claim (<see cref="RunClaimerBase"/>) applies and the diagnosis ("why is my run waiting") explains,
/// written once so the two cannot drift apart.
/// </summary>
public static class ClaimPolicy
{
    /// <summary>The queues a poll claims from: none while the pool is paused, never a paused queue; in claim order.</summary>
    public static List<WorkQueue> EligibleQueues(WorkPool pool, IEnumerable<WorkQueue> polled)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.IsPaused ? [] : [.. InClaimOrder(polled.Where(q => !q.IsPaused))];
    }

    /// <summary>Claim order: lower priority number first (ties by name, so the order is always the same).</summary>
    public static IOrderedEnumerable<WorkQueue> InClaimOrder(IEnumerable<WorkQueue> queues) =>
        queues.OrderBy(q => q.Priority).ThenBy(q => q.Name, StringComparer.Ordinal);

    /// <summary>The eligible queues a poll drains before <paramref name="queue"/>.</summary>
    public static List<WorkQueue> QueuesAhead(WorkPool pool, IEnumerable<WorkQueue> queues, WorkQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return [.. EligibleQueues(pool, queues).TakeWhile(q => q.Id != queue.Id)];
    }

    /// <summary>
    /// The pool's runs that hold a concurrency slot: the active ones and those whose infrastructure
    /// is held since before <paramref name="heldAfter"/> (<see cref="FlowRunSlots"/>).
    /// </summary>
    public static IQueryable<FlowRun> SlotHolders(this IQueryable<FlowRun> runs, Guid poolId, DateTime heldAfter) =>
        FlowRunSlots.OfPool(runs, poolId, heldAfter);

    /// <summary>When a claimable run is due: its expected start, or for an AwaitingRetry run its next attempt.</summary>
    public static DateTime DueAt(FlowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.State == FlowRunState.AwaitingRetry && run.NextAttemptAt is { } next ? next : run.ExpectedStartAt;
    }

    /// <summary>
    /// An AwaitingRetry run whose last attempt was ended by the lease reaper while its infrastructure
    /// may still run is not claimed until a worker confirms that infrastructure gone or the hold
    /// bound passes: two attempts of one run never run at once.
    /// </summary>
    public static bool RetryHeld(FlowRun run, DateTime heldAfter)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.InfrastructureHeldSince > heldAfter;
    }

    /// <summary>The pool's deployments that have a concurrency limit, with that limit.</summary>
    public static Task<Dictionary<Guid, int>> DeploymentLimitsAsync(ConsoleDbContext db, Guid poolId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Deployments.AsNoTracking()
            .Where(d => d.PoolId == poolId && d.ConcurrencyLimit != null)
            .ToDictionaryAsync(d => d.Id, d => d.ConcurrencyLimit!.Value, ct);
    }

    /// <summary>True when the pool, one of its queues or one of its deployments has a concurrency limit.</summary>
    public static bool HasLimits(WorkPool pool, IEnumerable<WorkQueue> queues, IReadOnlyDictionary<Guid, int> deploymentLimits)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(deploymentLimits);
        return pool.ConcurrencyLimit is not null || queues.Any(q => q.ConcurrencyLimit is not null) || deploymentLimits.Count > 0;
    }
}

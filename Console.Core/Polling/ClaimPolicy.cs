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

    /// <summary>Claim order of queues: lower priority number first (ties by name, so the order is always the same).</summary>
    public static IOrderedEnumerable<WorkQueue> InClaimOrder(IEnumerable<WorkQueue> queues) =>
        queues.OrderBy(q => q.Priority).ThenBy(q => q.Name, StringComparer.Ordinal);

    /// <summary>The eligible queues of a lower priority number than <paramref name="queue"/>: a poll drains them first.</summary>
    public static List<WorkQueue> QueuesAhead(WorkPool pool, IEnumerable<WorkQueue> queues, WorkQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return [.. EligibleQueues(pool, queues).Where(q => q.Priority < queue.Priority)];
    }

    /// <summary>The other eligible queues of <paramref name="queue"/>'s priority: they share claims with it by weight (<see cref="FairShare"/>).</summary>
    public static List<WorkQueue> QueuesSharing(WorkPool pool, IEnumerable<WorkQueue> queues, WorkQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return [.. EligibleQueues(pool, queues).Where(q => q.Priority == queue.Priority && q.Id != queue.Id)];
    }

    /// <summary>
    /// The claim order of due runs (the one rule the claim, the diagnosis's "ahead in line" and the
    /// queue positions follow): lower queue priority number first; among queues of the same
    /// priority, fair share by weight (<see cref="FairShare"/>); within a queue, the run due first
    /// (<see cref="DueAt"/>), ties by id.
    /// </summary>
    /// <param name="candidates">Due runs of eligible queues (any order; each queue's earliest due, as many as wanted).</param>
    /// <param name="queues">The queues the candidates belong to, by id.</param>
    /// <param name="holding">How many slot holders each queue has now (<see cref="SlotCount.QueueActive"/>).</param>
    public static List<T> InFairOrder<T>(IEnumerable<T> candidates, IReadOnlyDictionary<Guid, WorkQueue> queues, Func<Guid, int> holding)
        where T : IClaimCandidate
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(holding);
        return [.. candidates
            .GroupBy(c => c.QueueId)
            .SelectMany(g =>
            {
                var queue = queues[g.Key];
                var held = holding(g.Key);
                return g.OrderBy(c => c.DueAt).ThenBy(c => c.Id).Select((c, i) => (Run: c, Queue: queue, Key: FairShare.Key(held, i + 1, queue.Weight)));
            })
            .OrderBy(x => x.Queue.Priority)
            .ThenBy(x => x.Key)
            .ThenBy(x => x.Queue.Name, StringComparer.Ordinal)
            .Select(x => x.Run)];
    }

    /// <summary>
    /// The queues whose slot holders the claim must count, or null when it must count all of the
    /// pool's (the pool has a limit): the eligible queues with a limit, and those that share claims by
    /// weight with another eligible queue of their priority (<see cref="InFairOrder{T}"/>). A lone
    /// queue at its priority without a limit takes its runs in due order whatever it holds.
    /// </summary>
    public static List<WorkQueue>? QueuesToCount(WorkPool pool, IReadOnlyList<WorkQueue> eligible)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(eligible);
        return pool.ConcurrencyLimit is not null
            ? null
            : [.. eligible.Where(q => q.ConcurrencyLimit is not null || eligible.Any(o => o.Id != q.Id && o.Priority == q.Priority))];
    }

    /// <summary>
    /// The pool's runs that hold a concurrency slot: the active ones and those whose infrastructure
    /// is held since before <paramref name="heldAfter"/> (<see cref="FlowRunSlots"/>).
    /// </summary>
    public static IQueryable<FlowRun> SlotHolders(this IQueryable<FlowRun> runs, Guid poolId, DateTime heldAfter) =>
        FlowRunSlots.OfPool(runs, poolId, heldAfter);

    /// <summary>
    /// The runs a claim could take at <paramref name="now"/>: Scheduled ones whose expected start has
    /// come, and AwaitingRetry ones whose next attempt has come and are not held (<see cref="RetryHeld"/>).
    /// </summary>
    public static IQueryable<FlowRun> DueBy(this IQueryable<FlowRun> runs, DateTime now, DateTime heldAfter) =>
        runs.Where(r => (r.State == FlowRunState.Scheduled && r.ExpectedStartAt <= now)
            || (r.State == FlowRunState.AwaitingRetry && r.NextAttemptAt <= now
                && (r.InfrastructureHeldSince == null || r.InfrastructureHeldSince <= heldAfter)));

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

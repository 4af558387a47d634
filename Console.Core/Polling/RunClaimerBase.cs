using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Metrics;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Polling;

/// <summary>
/// The claim's rules, shared by every provider: stamp the poll (<see cref="PollStamps"/>), count the
/// slots in use (<see cref="SlotCount"/>), take due runs of the eligible queues in claim order then
/// expected start (<see cref="ClaimPolicy"/>), honour the pool, queue and deployment limits, and
/// tell when the next run falls due. A provider says how the
/// transaction keeps concurrent claimers apart: how it locks a pool that has limits, and how it
/// reads (and reserves) the due runs of a queue.
/// </summary>
public abstract class RunClaimerBase(ConsoleDbContext db, StatusRules rules, WorkerService workers, ConsoleMetrics metrics) : IRunClaimer
{
    protected ConsoleDbContext Db => db;

    public virtual async Task<ClaimOutcome> ClaimAsync(ClaimRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var outcome = await ClaimInTransactionAsync(request, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        foreach (var run in outcome.Claimed)
        {
            // Dispatch latency: from when the run was due (created, or its later scheduled start) to its claim.
            metrics.RecordClaim(outcome.Pool.Name, (run.ClaimedAt ?? run.UpdatedAt) - (run.ExpectedStartAt > run.CreatedAt ? run.ExpectedStartAt : run.CreatedAt));
        }

        return outcome;
    }

    /// <summary>
    /// Called inside the claim's transaction before the slots in use are counted, only when the pool,
    /// one of its queues or one of its deployments has a concurrency limit; from then on until the
    /// commit no other claim on this pool may count or take slots.
    /// </summary>
    protected abstract Task LockLimitedPoolAsync(WorkPool pool, CancellationToken ct);

    /// <summary>Up to <paramref name="take"/> tracked Scheduled runs of the queue due by <paramref name="now"/>, oldest expected start first, that no other claim can take before this one commits.</summary>
    protected abstract Task<List<FlowRun>> DueRunsAsync(Guid queueId, DateTime now, int take, CancellationToken ct);

    /// <summary>
    /// The same for AwaitingRetry runs whose next attempt is due by <paramref name="now"/>, soonest
    /// first, leaving out those whose last attempt's infrastructure is held since after
    /// <paramref name="heldAfter"/> (<see cref="ClaimPolicy.RetryHeld"/>).
    /// </summary>
    protected abstract Task<List<FlowRun>> DueRetriesAsync(Guid queueId, DateTime now, DateTime heldAfter, int take, CancellationToken ct);

    private async Task<ClaimOutcome> ClaimInTransactionAsync(ClaimRequest request, CancellationToken ct)
    {
        var now = rules.Now;
        var pool = await db.WorkPools.FirstOrDefaultAsync(p => p.Name == request.PoolName, ct)
            ?? throw new NotFoundException($"Work pool '{request.PoolName}' does not exist.");
        var allQueues = await db.WorkQueues.Where(q => q.PoolId == pool.Id).ToListAsync(ct);
        var polled = allQueues;
        if (request.Queues is { Count: > 0 } names)
        {
            var unknown = names.Where(n => allQueues.All(q => q.Name != n)).ToList();
            if (unknown.Count > 0)
            {
                throw new NotFoundException($"Work queue(s) {string.Join(", ", unknown.Select(n => $"'{n}'"))} do not exist in pool '{pool.Name}'.");
            }

            polled = [.. allQueues.Where(q => names.Contains(q.Name))];
        }

        // 1. Stamp the poll: it is a heartbeat and marks the queues as polled. An online worker's
        //    stamps wait in memory for the next heartbeat flush (the worker is then detached).
        var (worker, wasOnline) = await workers.UpsertAsync(
            pool, request.WorkerName, new WorkerBeat(request.HeartbeatIntervalSeconds, request.Queues, PolledAt: now), ct);
        PollStamps.Stamp(pool, now);
        var turnedReady = new List<WorkQueue>();
        foreach (var queue in polled)
        {
            if (rules.Queue(queue, pool.IsPaused) == QueueStatus.NotReady)
            {
                turnedReady.Add(queue);
            }

            PollStamps.Stamp(queue, now);
        }

        var eligible = ClaimPolicy.EligibleQueues(pool, polled);
        if (eligible.Count == 0 || request.Limit == 0 || !worker.IsHealthy)
        {
            return new ClaimOutcome(pool, worker, wasOnline, polled, turnedReady, [], null);
        }

        // 2. Count the slots in use, in the same transaction as the claim (after the pool's lock, if
        //    the provider needs one to keep two claimers from counting the same free slot).
        var deploymentLimits = await ClaimPolicy.DeploymentLimitsAsync(db, pool.Id, ct);
        if (ClaimPolicy.HasLimits(pool, allQueues, deploymentLimits))
        {
            await LockLimitedPoolAsync(pool, ct);
        }

        // Runs the reaper ended whose infrastructure may still run keep their slot (FlowRunSlots).
        var heldAfter = FlowRunSlots.HeldAfter(now, rules.Options.InfrastructureHoldSeconds);
        var slots = await SlotCount.CountAsync(db, pool, deploymentLimits, heldAfter, ct);
        // The claim's time is read after the count: every end the count saw was stamped before it,
        // so the runs' timelines never show a claim overlapping a run that had already freed its slot
        // (on PostgreSQL the lock above may have waited for other claims).
        now = rules.Now;
        var want = Math.Min(request.Limit, slots.PoolRoom);
        var claimed = new List<FlowRun>();
        if (want > 0)
        {
            // 3. Due runs in claim order (queue priority, lower first), then oldest expected start first.
            foreach (var queue in eligible)
            {
                var remaining = Math.Min(want - claimed.Count, slots.QueueRoom(queue));
                if (remaining <= 0)
                {
                    continue;
                }

                // Over-fetch a little when deployment limits may skip some candidates; without any
                // deployment limit in the pool nothing is skipped, so exactly `remaining` rows do
                // (each candidate is a full, tracked FlowRun: fetching 4x+16 of them cost CPU, B3).
                var take = deploymentLimits.Count == 0 ? remaining : (remaining * 4) + 16;
                // Runs due for a first attempt and runs due for another, in one order (ClaimPolicy.DueAt).
                var candidates = (await DueRunsAsync(queue.Id, now, take, ct))
                    .Concat(await DueRetriesAsync(queue.Id, now, heldAfter, take, ct))
                    .OrderBy(ClaimPolicy.DueAt)
                    .ToList();
                foreach (var run in candidates)
                {
                    if (remaining == 0)
                    {
                        break;
                    }

                    if (slots.DeploymentFull(run.DeploymentId))
                    {
                        continue;
                    }

                    // 4. Take the slot: Scheduled (or AwaitingRetry) -> Pending with this worker's name.
                    FlowRunOrchestrator.Claim(run, worker.Name, now);
                    db.FlowRunStateChanges.Add(new FlowRunStateChange { FlowRunId = run.Id, State = run.State, Timestamp = now, Attempt = run.Attempt });
                    claimed.Add(run);
                    remaining--;
                    slots.Take(queue.Id, run.DeploymentId);
                }

                if (claimed.Count >= want)
                {
                    break;
                }
            }
        }

        DateTime? nextDue = null;
        if (claimed.Count == 0)
        {
            var eligibleIds = eligible.Select(q => q.Id).ToList();
            var nextStart = await db.FlowRuns.AsNoTracking()
                .Where(r => r.PoolId == pool.Id && r.State == FlowRunState.Scheduled && r.ExpectedStartAt > now && eligibleIds.Contains(r.QueueId))
                .OrderBy(r => r.ExpectedStartAt)
                .Select(r => (DateTime?)r.ExpectedStartAt)
                .FirstOrDefaultAsync(ct);
            var nextAttempt = await db.FlowRuns.AsNoTracking()
                .Where(r => r.PoolId == pool.Id && r.State == FlowRunState.AwaitingRetry && r.NextAttemptAt > now && eligibleIds.Contains(r.QueueId))
                .OrderBy(r => r.NextAttemptAt)
                .Select(r => r.NextAttemptAt)
                .FirstOrDefaultAsync(ct);
            nextDue = nextStart is null || nextAttempt < nextStart ? nextAttempt : nextStart;
        }

        return new ClaimOutcome(pool, worker, wasOnline, polled, turnedReady, claimed, nextDue);
    }
}

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
/// The claim's rules, shared by every provider: stamp the poll, count the slots in use, take due
/// runs in queue priority order then expected start, skip paused pools and queues, honour the pool,
/// queue and deployment limits, and tell when the next run falls due. A provider says how the
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

    private async Task<ClaimOutcome> ClaimInTransactionAsync(ClaimRequest request, CancellationToken ct)
    {
        var now = rules.Now;
        var pool = await db.WorkPools.FirstOrDefaultAsync(p => p.Name == request.PoolName, ct)
            ?? throw new NotFoundException($"Work pool '{request.PoolName}' does not exist.");
        var allQueues = await db.WorkQueues.Where(q => q.PoolId == pool.Id).OrderBy(q => q.Priority).ToListAsync(ct);
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

        // 1. Stamp the poll: it is a heartbeat and marks the queues as polled.
        var (worker, wasOnline) = await workers.UpsertAsync(pool, request.WorkerName, request.HeartbeatIntervalSeconds, request.Queues, ct);
        worker.LastPolledAt = now;
        // Every worker of a pool polls the same pool and queue rows: stamping them on every poll
        // makes each claim write (and, on PostgreSQL, row-lock until commit) rows that all other
        // claimers of the pool also write. Once a second is as fresh as their statuses need (a
        // queue is Ready for 60 s after a poll); the worker's own row takes every poll.
        StampIfStale(pool.LastPolledAt, now, () => pool.LastPolledAt = now);
        var turnedReady = new List<WorkQueue>();
        foreach (var queue in polled)
        {
            if (rules.Queue(queue, pool.IsPaused) == QueueStatus.NotReady)
            {
                turnedReady.Add(queue);
            }

            StampIfStale(queue.LastPolledAt, now, () => queue.LastPolledAt = now);
        }

        var eligible = pool.IsPaused ? [] : polled.Where(q => !q.IsPaused).ToList();
        if (eligible.Count == 0 || request.Limit == 0 || !worker.IsHealthy)
        {
            return new ClaimOutcome(pool, worker, wasOnline, polled, turnedReady, [], null);
        }

        // 2. Count the slots in use, in the same transaction as the claim (after the pool's lock, if
        //    the provider needs one to keep two claimers from counting the same free slot).
        var deploymentLimits = await db.Deployments.AsNoTracking()
            .Where(d => d.PoolId == pool.Id && d.ConcurrencyLimit != null)
            .ToDictionaryAsync(d => d.Id, d => d.ConcurrencyLimit!.Value, ct);
        if (pool.ConcurrencyLimit is not null || allQueues.Any(q => q.ConcurrencyLimit is not null) || deploymentLimits.Count > 0)
        {
            await LockLimitedPoolAsync(pool, ct);
        }

        var active = await db.FlowRuns.AsNoTracking()
            .Where(r => r.PoolId == pool.Id && FlowRunStates.Active.Contains(r.State))
            .GroupBy(r => new { r.QueueId, r.DeploymentId })
            .Select(g => new { g.Key.QueueId, g.Key.DeploymentId, Count = g.Count() })
            .ToListAsync(ct);
        // The claim's time is read after the count: every end the count saw was stamped before it,
        // so the runs' timelines never show a claim overlapping a run that had already freed its slot
        // (on PostgreSQL the lock above may have waited for other claims).
        now = rules.Now;
        var poolActive = active.Sum(a => a.Count);
        var queueActive = active.GroupBy(a => a.QueueId).ToDictionary(g => g.Key, g => g.Sum(a => a.Count));
        var deploymentActive = active.Where(a => a.DeploymentId is not null)
            .GroupBy(a => a.DeploymentId!.Value).ToDictionary(g => g.Key, g => g.Sum(a => a.Count));

        var poolRoom = pool.ConcurrencyLimit is { } poolLimit ? poolLimit - poolActive : int.MaxValue;
        var want = Math.Min(request.Limit, poolRoom);
        var claimed = new List<FlowRun>();
        if (want > 0)
        {
            // 3. Due runs in queue priority order (lower first), then oldest expected start first.
            foreach (var queue in eligible.OrderBy(q => q.Priority))
            {
                var queueRoom = queue.ConcurrencyLimit is { } ql ? ql - queueActive.GetValueOrDefault(queue.Id) : int.MaxValue;
                var remaining = Math.Min(want - claimed.Count, queueRoom);
                if (remaining <= 0)
                {
                    continue;
                }

                // Over-fetch a little when deployment limits may skip some candidates; without any
                // deployment limit in the pool nothing is skipped, so exactly `remaining` rows do
                // (each candidate is a full, tracked FlowRun: fetching 4x+16 of them cost CPU, B3).
                var take = deploymentLimits.Count == 0 ? remaining : (remaining * 4) + 16;
                var candidates = await DueRunsAsync(queue.Id, now, take, ct);
                foreach (var run in candidates)
                {
                    if (remaining == 0)
                    {
                        break;
                    }

                    if (run.DeploymentId is { } depId && deploymentLimits.TryGetValue(depId, out var dl)
                        && deploymentActive.GetValueOrDefault(depId) >= dl)
                    {
                        continue;
                    }

                    // 4. Take the slot: Scheduled -> Pending with this worker's name.
                    FlowRunOrchestrator.Claim(run, worker.Name, now);
                    db.FlowRunStateChanges.Add(new FlowRunStateChange { FlowRunId = run.Id, State = run.State, Timestamp = now });
                    claimed.Add(run);
                    remaining--;
                    queueActive[queue.Id] = queueActive.GetValueOrDefault(queue.Id) + 1;
                    if (run.DeploymentId is { } d)
                    {
                        deploymentActive[d] = deploymentActive.GetValueOrDefault(d) + 1;
                    }
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
            nextDue = await db.FlowRuns.AsNoTracking()
                .Where(r => r.PoolId == pool.Id && r.State == FlowRunState.Scheduled && r.ExpectedStartAt > now && eligibleIds.Contains(r.QueueId))
                .OrderBy(r => r.ExpectedStartAt)
                .Select(r => (DateTime?)r.ExpectedStartAt)
                .FirstOrDefaultAsync(ct);
        }

        return new ClaimOutcome(pool, worker, wasOnline, polled, turnedReady, claimed, nextDue);
    }

    private static readonly TimeSpan StampEvery = TimeSpan.FromSeconds(1);

    private static void StampIfStale(DateTime? last, DateTime now, Action stamp)
    {
        if (last is not { } at || now - at >= StampEvery || now < at)
        {
            stamp();
        }
    }
}

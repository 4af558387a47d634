using System.Collections.Concurrent;
using Console.Contracts;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Diagnostics;
using Console.Core.Feed;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;

namespace Console.Web.Jobs;

/// <summary>
/// Statuses are derived at read time, so nothing needs writing when a worker falls silent; but a
/// page showing it must hear about it. The foreman notices the moments statuses change by time
/// alone (worker offline, queue not ready, run late) and publishes them to the change feed.
/// </summary>
/// <remarks>
/// It also records the waiting runs' reasons where they changed (<see cref="WaitHistory"/>): the
/// moments a run's reasons change are mostly such time-driven transitions, and pauses, limits and
/// workers in between are caught within one pass. Apart from that history it writes nothing, so
/// replicas running it at the same moment cannot conflict. Each replica
/// remembers what it saw: a transition may be published once per replica, and since an event
/// carries the full state, the repeat shows nothing new.
/// </remarks>
public sealed class ForemanJob(
    ConsoleDbContext db, IChangeFeed feed, ForemanMemory memory, StatusRules rules,
    WorkerService workers, WorkQueueService queues, WorkPoolService pools, FlowRunService runs, WaitHistory waits)
{
    public async Task RunAsync(CancellationToken ct)
    {
        await PublishWorkerTransitionsAsync(ct);
        await PublishQueueTransitionsAsync(ct);
        await PublishLateRunsAsync(ct);
        await waits.RecordAsync(ct);
    }

    private async Task PublishWorkerTransitionsAsync(CancellationToken ct)
    {
        var all = await WorkersWithPools.ReadAsync(db, null, ct);
        var poolsToPublish = new HashSet<Guid>();
        foreach (var worker in all)
        {
            var dto = await workers.PublishIfChangedAsync(worker, memory.WorkerStatuses, ct);
            if (dto is not null)
            {
                poolsToPublish.Add(worker.PoolId);
            }
        }

        foreach (var pool in all.Select(w => w.Pool).Where(p => poolsToPublish.Contains(p.Id)).DistinctBy(p => p.Id))
        {
            await pools.PublishAsync(pool, ct);
        }
    }

    private async Task PublishQueueTransitionsAsync(CancellationToken ct)
    {
        var all = await db.WorkQueues.AsNoTracking().Include(q => q.Pool).ToListAsync(ct);
        foreach (var dto in await queues.ToDtosAsync(all, ct))
        {
            var known = memory.QueueStatuses.TryGetValue(dto.Id, out var last);
            memory.QueueStatuses[dto.Id] = (dto.Status, dto.LateRuns);
            if (known && last != (dto.Status, dto.LateRuns))
            {
                feed.Publish(new QueueChanged(dto));
            }
        }
    }

    private async Task PublishLateRunsAsync(CancellationToken ct)
    {
        // Runs that crossed the late threshold since the last pass.
        var cutoff = rules.LateCutoff;
        var since = memory.LastLateCutoff ?? cutoff.AddMinutes(-1);
        memory.LastLateCutoff = cutoff;
        var turnedLate = await db.FlowRuns.AsNoTracking()
            .Where(r => r.State == FlowRunState.Scheduled && r.ExpectedStartAt >= since && r.ExpectedStartAt < cutoff)
            .ToListAsync(ct);
        foreach (var run in turnedLate)
        {
            feed.Publish(new FlowRunChanged(runs.ToDto(run)));
        }
    }
}

/// <summary>What the foreman saw last time (a singleton: the job itself is scoped).</summary>
public sealed class ForemanMemory
{
    public ConcurrentDictionary<(Guid Pool, string Worker), WorkerStatus> WorkerStatuses { get; } = new();

    public ConcurrentDictionary<Guid, (QueueStatus Status, int Late)> QueueStatuses { get; } = new();

    public DateTime? LastLateCutoff { get; set; }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Events;
using Console.Core.Persistence;
using Console.Core.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Console.Core.Automations;

/// <summary>
/// What the clock causes, evaluated by a server job on every replica: workers going offline and
/// queues turning not ready (recorded as events), and the timed triggers (flowRunLate,
/// queueNotReady forSeconds, absence), each firing recorded as an <c>automation.triggered</c> event
/// for its automation. Every one has an occurrence key, unique in the database, so however many
/// replicas notice it, it is recorded, and acted on, once.
/// </summary>
public sealed class TimedTriggers(ConsoleDbContext db, EventService events, StatusRules rules, IOptions<AutomationOptions> options)
{
    private const int Batch = 200;

    public async Task RunAsync(CancellationToken ct)
    {
        await WorkersOfflineAsync(ct);
        await QueuesNotReadyAsync(ct);
        foreach (var automation in await db.Automations.AsNoTracking().Where(a => a.Enabled).ToListAsync(ct))
        {
            var trigger = ConsoleJson.Deserialize<AutomationTrigger>(automation.Trigger)!;
            switch (trigger.Type)
            {
                case TriggerTypes.FlowRunLate:
                    await LateRunsAsync(automation, trigger, ct);
                    break;
                case TriggerTypes.QueueNotReady:
                    await QueueNotReadyForAsync(automation, trigger, ct);
                    break;
                case TriggerTypes.Absence:
                    await AbsenceAsync(automation, trigger, ct);
                    break;
            }
        }
    }

    /// <summary>Only what happened within the retention is recorded: older occurrences would have been deleted already.</summary>
    private DateTime Horizon => rules.Now.AddDays(-options.Value.EventRetentionDays);

    private async Task WorkersOfflineAsync(CancellationToken ct)
    {
        var horizon = Horizon;
        var offline = (await WorkersWithPools.ReadAsync(db, w => w.LastHeartbeatAt > horizon, ct))
            .Where(w => rules.Worker(w) == WorkerStatus.Offline)
            .Select(w => (Worker: w, Key: WorkerEvents.OfflineKey(w, rules.HeartbeatAt(w))))
            .ToList();
        // A worker stays Offline pass after pass until the horizon: its absence was recorded long ago,
        // so the keys already recorded are looked up together, not one query per worker and pass.
        var recorded = await RecordedAsync([.. offline.Select(o => o.Key)], ct);
        foreach (var (worker, key) in offline.Where(o => !recorded.Contains(o.Key)))
        {
            // A worker whose connection was lost reads Offline before its heartbeats lapse: it went then, not later.
            var lapse = rules.WorkerOfflineAt(worker);
            var at = lapse < rules.Now ? lapse : rules.Now;
            await events.RecordOnceAsync(WorkerEvents.Offline(worker, worker.Pool.Name, at), key, ct);
        }
    }

    /// <summary>Which of <paramref name="keys"/> were recorded already, read in chunks (bounded statements).</summary>
    private async Task<HashSet<string>> RecordedAsync(List<string> keys, CancellationToken ct)
    {
        var recorded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(Batch))
        {
            recorded.UnionWith(await db.Events.AsNoTracking()
                .Where(e => e.OccurrenceKey != null && chunk.Contains(e.OccurrenceKey))
                .Select(e => e.OccurrenceKey!)
                .ToListAsync(ct));
        }

        return recorded;
    }

    private async Task QueuesNotReadyAsync(CancellationToken ct)
    {
        var horizon = Horizon;
        var queues = await db.WorkQueues.AsNoTracking().Include(q => q.Pool).Where(q => q.LastPolledAt != null && q.LastPolledAt > horizon).ToListAsync(ct);
        foreach (var queue in queues.Where(q => rules.Queue(q, q.Pool.IsPaused) == QueueStatus.NotReady))
        {
            var at = queue.LastPolledAt!.Value.AddSeconds(rules.Options.QueueReadySeconds);
            var e = EventRecorder.New(EventTypes.WorkQueueNotReady, new(ResourceKinds.WorkQueue, queue.Id.ToString(), queue.Name),
                [new(ResourceKinds.WorkPool, queue.PoolId.ToString(), queue.Pool.Name)], new() { ["lastPolledAt"] = queue.LastPolledAt }, at)
                .Also(x =>
                {
                    x.PoolName = queue.Pool.Name;
                    x.QueueName = queue.Name;
                });
            await events.RecordOnceAsync(e, $"workQueue.notReady:{queue.Id}:{Stamp(queue.LastPolledAt.Value)}", ct);
        }
    }

    private async Task LateRunsAsync(Automation automation, AutomationTrigger trigger, CancellationToken ct)
    {
        var cutoff = rules.Now.AddSeconds(-trigger.AfterSeconds!.Value);
        var horizon = Horizon;
        var late = db.FlowRuns.AsNoTracking().Where(r => r.State == FlowRunState.Scheduled && r.ExpectedStartAt < cutoff && r.ExpectedStartAt > horizon);
        if (trigger.Pool is not null)
        {
            late = late.Where(r => r.WorkPoolName == trigger.Pool);
        }

        if (trigger.Deployment is not null)
        {
            if (await DeploymentIdOrNullAsync(trigger.Deployment, ct) is not { } id)
            {
                return;
            }

            late = late.Where(r => r.DeploymentId == id);
        }

        var prefix = $"{automation.Id}:late:";
        foreach (var run in await late.OrderBy(r => r.ExpectedStartAt).Take(Batch).ToListAsync(ct))
        {
            var lateBy = (int)(rules.Now - run.ExpectedStartAt).TotalSeconds;
            var e = Fired(automation, trigger, new(ResourceKinds.FlowRun, run.Id.ToString(), run.Name),
                [new(ResourceKinds.WorkPool, run.PoolId.ToString(), run.WorkPoolName), new(ResourceKinds.Deployment, run.DeploymentId?.ToString() ?? string.Empty, $"{run.FlowName}/{run.DeploymentName}")],
                $"The run '{run.Name}' of {run.FlowName}/{run.DeploymentName} has not started {lateBy} s after its expected start.")
                .Also(x =>
                {
                    x.PoolName = run.WorkPoolName;
                    x.FlowRunId = run.Id;
                    x.DeploymentId = run.DeploymentId;
                    x.State = FlowRunState.Late.ToString();
                });
            await events.RecordOnceAsync(e, prefix + run.Id, ct);
        }
    }

    private async Task QueueNotReadyForAsync(Automation automation, AutomationTrigger trigger, CancellationToken ct)
    {
        var queues = db.WorkQueues.AsNoTracking().Include(q => q.Pool).Where(q => q.Pool.Name == trigger.Pool);
        if (trigger.Queue is not null)
        {
            queues = queues.Where(q => q.Name == trigger.Queue);
        }

        foreach (var queue in await queues.ToListAsync(ct))
        {
            if (rules.Queue(queue, queue.Pool.IsPaused) != QueueStatus.NotReady)
            {
                continue;
            }

            // Not ready since its last poll went stale (or since it exists, if never polled).
            var since = queue.LastPolledAt?.AddSeconds(rules.Options.QueueReadySeconds) ?? queue.CreatedAt;
            var notReadyFor = rules.Now - since;
            if (notReadyFor < TimeSpan.FromSeconds(trigger.ForSeconds!.Value))
            {
                continue;
            }

            var e = Fired(automation, trigger, new(ResourceKinds.WorkQueue, queue.Id.ToString(), queue.Name),
                [new(ResourceKinds.WorkPool, queue.PoolId.ToString(), queue.Pool.Name)],
                $"No worker has polled the queue '{queue.Name}' of '{queue.Pool.Name}' for {(int)notReadyFor.TotalSeconds} s.")
                .Also(x =>
                {
                    x.PoolName = queue.Pool.Name;
                    x.QueueName = queue.Name;
                });
            await events.RecordOnceAsync(e, $"{automation.Id}:notReady:{queue.Id}:{Stamp(since)}", ct);
        }
    }

    /// <summary>
    /// Silence counts from the latest of: the automation's arming, the last time the deployment's runs
    /// reached the state, and this trigger's last firing. So it fires once per period of silence, and
    /// again after each further period while the silence lasts.
    /// </summary>
    private async Task AbsenceAsync(Automation automation, AutomationTrigger trigger, CancellationToken ct)
    {
        var id = await DeploymentIdOrNullAsync(trigger.Deployment!, ct);
        if (id is null)
        {
            return;
        }

        var wanted = trigger.State!.Value;
        var state = wanted.ToString();
        var window = TimeSpan.FromSeconds(trigger.WithinSeconds!.Value);
        var lastEvent = await db.Events.AsNoTracking()
            .Where(e => e.Type == EventTypes.FlowRunStateChanged && e.DeploymentId == id && e.State == state)
            .MaxAsync(e => (DateTime?)e.OccurredAt, ct);
        // Its last firing: the automation row keeps it (LastFiredAt is the firing event's time) after the event is gone.
        var lastFired = await db.Events.AsNoTracking()
            .Where(e => e.Type == EventTypes.AutomationTriggered && e.AutomationId == automation.Id)
            .MaxAsync(e => (DateTime?)e.OccurredAt, ct);
        var since = new[] { automation.ArmedAt, lastEvent ?? DateTime.MinValue, lastFired ?? DateTime.MinValue, automation.LastFiredAt ?? DateTime.MinValue }.Max();
        if (rules.Now - since < window)
        {
            return; // the index seeks above decide it: the history below is read only when they see a silence
        }

        // The runs' state history, not the events: events are deleted after the retention, which
        // may be shorter than the window, and a silence would then seem to have lasted since arming.
        var lastSeen = await (
            from change in db.FlowRunStateChanges.AsNoTracking()
            join run in db.FlowRuns.AsNoTracking() on change.FlowRunId equals run.Id
            where run.DeploymentId == id && change.State == wanted
            select (DateTime?)change.Timestamp).MaxAsync(ct);
        if (lastSeen > since)
        {
            since = lastSeen.Value;
        }

        if (rules.Now - since < window)
        {
            return;
        }

        var deployment = await db.Deployments.AsNoTracking().Include(d => d.Pool).FirstAsync(d => d.Id == id, ct);
        var e = Fired(automation, trigger, new(ResourceKinds.Deployment, deployment.Id.ToString(), $"{deployment.FlowName}/{deployment.Name}"),
            [new(ResourceKinds.WorkPool, deployment.PoolId.ToString(), deployment.Pool.Name)],
            $"No run of {deployment.FlowName}/{deployment.Name} reached {state} within {trigger.WithinSeconds} s.")
            .Also(x =>
            {
                x.PoolName = deployment.Pool.Name;
                x.DeploymentId = deployment.Id;
            });
        await events.RecordOnceAsync(e, $"{automation.Id}:absence:{Stamp(since)}", ct);
    }

    private ConsoleEvent Fired(Automation automation, AutomationTrigger trigger, EventResourceDto resource, List<EventResourceDto> related, string reason)
    {
        related.Add(new(ResourceKinds.Automation, automation.Id.ToString(), automation.Name));
        return EventRecorder.New(EventTypes.AutomationTriggered, resource, related,
            new JsonObject { ["trigger"] = trigger.Type, ["reason"] = reason }, rules.Now)
            .Also(x => x.AutomationId = automation.Id);
    }

    private async Task<Guid?> DeploymentIdOrNullAsync(string deployment, CancellationToken ct)
    {
        try
        {
            return await AutomationService.DeploymentIdAsync(db, deployment, ct);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    private static string Stamp(DateTime at) => at.Ticks.ToString(CultureInfo.InvariantCulture);
}

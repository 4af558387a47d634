using System.Globalization;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.Polling;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Diagnostics;

/// <summary>
/// Explains a run, queue or worker from the same rows and rules the claim and the statuses use
/// (<see cref="ClaimPolicy"/>, <see cref="SlotCount"/>, <see cref="StatusRules"/>), so what it says
/// is what the next poll will do.
/// </summary>
public sealed class DiagnosisService(ConsoleDbContext db, StatusRules rules, StartEstimator estimator)
{
    public const string FlowRunKind = "flow-run";
    public const string WorkQueueKind = "work-queue";
    public const string WorkerKind = "worker";

    /// <summary>How many slot holders a limit reason names before "and N more".</summary>
    private const int MaxListed = 10;

    public async Task<DiagnosisDto> FlowRunAsync(Guid id, CancellationToken ct = default)
    {
        var run = await db.FlowRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct)
            ?? throw new NotFoundException($"Flow run '{id}' does not exist.");
        var now = rules.Now;
        var state = rules.RunState(run.State, run.ExpectedStartAt);
        var subject = $"flow run '{run.Name}' ({run.FlowName}/{run.DeploymentName}, pool '{run.WorkPoolName}', queue '{run.WorkQueueName}')";
        var workers = await db.Workers.AsNoTracking().Where(w => w.PoolId == run.PoolId).OrderBy(w => w.Name).ToListAsync(ct);
        if (state is not (FlowRunState.Scheduled or FlowRunState.Late or FlowRunState.AwaitingRetry))
        {
            return Build(FlowRunKind, subject, state.ToString(), ProgressReasons(run, state, workers, now), now);
        }

        var scene = await LoadSceneAsync(run.PoolId, workers, now, ct);
        var reasons = await WaitingReasonsAsync(run, scene, now, ct);
        var estimate = await estimator.EstimateAsync(run, scene, reasons, now, ct);
        return Build(FlowRunKind, subject, state.ToString(), reasons, now) with
        {
            QueuePosition = estimate.Position,
            EstimatedStartAt = estimate.StartAt,
            EstimateReason = estimate.Reason,
        };
    }

    /// <summary>
    /// The blocking reasons of many waiting runs of one pool, from one read of the pool's state (the
    /// wait history records them): what <see cref="FlowRunAsync"/> would say of each, without the estimate.
    /// </summary>
    public async Task<List<(FlowRun Run, List<DiagnosisReason> Reasons)>> WaitingReasonsAsync(
        Guid poolId, IReadOnlyList<FlowRun> runs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var now = rules.Now;
        var workers = await db.Workers.AsNoTracking().Where(w => w.PoolId == poolId).OrderBy(w => w.Name).ToListAsync(ct);
        var scene = await LoadSceneAsync(poolId, workers, now, ct) with { Due = await DueIndex.ReadAsync(db, poolId, now, rules.Options.InfrastructureHoldSeconds, ct) };
        var answer = new List<(FlowRun, List<DiagnosisReason>)>(runs.Count);
        foreach (var run in runs)
        {
            answer.Add((run, await WaitingReasonsAsync(run, scene, now, ct)));
        }

        return answer;
    }

    public async Task<DiagnosisDto> WorkQueueAsync(string poolName, string queueName, CancellationToken ct = default)
    {
        var pool = await FindPoolAsync(poolName, ct);
        var queue = await db.WorkQueues.AsNoTracking().FirstOrDefaultAsync(q => q.PoolId == pool.Id && q.Name == queueName, ct)
            ?? throw new NotFoundException($"Work queue '{queueName}' does not exist in pool '{poolName}'.");
        var now = rules.Now;
        var status = rules.Queue(queue, pool.IsPaused);
        var workers = await db.Workers.AsNoTracking().Where(w => w.PoolId == pool.Id).OrderBy(w => w.Name).ToListAsync(ct);
        var reasons = new List<DiagnosisReason>();
        AddPausedReasons(reasons, pool, queue);

        var serving = workers.Where(w => Serves(w, queue.Name)).ToList();
        var readySeconds = rules.Options.QueueReadySeconds;
        if (queue.LastPolledAt is not { } polled)
        {
            reasons.Add(new(DiagnosisCodes.NotPolled,
                $"Queue '{queue.Name}' has never been polled: no worker has asked it for work yet.",
                new JsonObject { ["lastPolledAt"] = null, ["readyWindowSeconds"] = readySeconds }));
        }
        else if (status == QueueStatus.NotReady)
        {
            reasons.Add(new(DiagnosisCodes.NotPolled,
                $"Queue '{queue.Name}' was last polled {Durations.Relative(polled, now)} ({Durations.Time(polled)}); "
                + $"a queue is Ready only while polled within the last {readySeconds} s.",
                new JsonObject
                {
                    ["lastPolledAt"] = polled,
                    ["secondsSincePoll"] = Seconds(now - polled),
                    ["readyWindowSeconds"] = readySeconds,
                }));
        }
        else
        {
            reasons.Add(new(DiagnosisCodes.Polled,
                $"Queue '{queue.Name}' was polled {Durations.Relative(polled, now)} ({Durations.Time(polled)}).",
                new JsonObject { ["lastPolledAt"] = polled, ["secondsSincePoll"] = Seconds(now - polled) }) { Blocking = false });
        }

        if (!serving.Any(IsOnline))
        {
            reasons.Add(NoWorkerReason(pool, queue, workers, serving, now));
        }

        if (serving.Count > 0)
        {
            reasons.Add(new(DiagnosisCodes.Workers,
                $"Workers that serve it: {string.Join(", ", serving.Select(w => DescribeWorker(w, now)))}.",
                new JsonObject { ["workers"] = WorkersJson(serving, now) }) { Blocking = false });
        }

        var waiting = await db.FlowRuns.AsNoTracking()
            .Where(r => r.QueueId == queue.Id && r.State == FlowRunState.Scheduled)
            .Select(r => r.ExpectedStartAt).ToListAsync(ct);
        var late = waiting.Count(t => t < rules.LateCutoff);
        reasons.Add(new(DiagnosisCodes.Backlog,
            $"{Plural(waiting.Count, "run")} waiting in it ({late} late).",
            new JsonObject { ["scheduled"] = waiting.Count, ["late"] = late }) { Blocking = false });

        return Build(WorkQueueKind, $"work queue '{queue.Name}' of pool '{pool.Name}'", status.ToString(), reasons, now);
    }

    public async Task<DiagnosisDto> WorkerAsync(string poolName, string workerName, CancellationToken ct = default)
    {
        var pool = await FindPoolAsync(poolName, ct);
        var worker = await db.Workers.AsNoTracking().FirstOrDefaultAsync(w => w.PoolId == pool.Id && w.Name == workerName, ct)
            ?? throw new NotFoundException($"Worker '{workerName}' is not known in pool '{poolName}'.");
        var now = rules.Now;
        var status = rules.Worker(worker);
        var interval = Interval(worker);
        var missed = rules.Options.MissedHeartbeatsBeforeOffline;
        var data = new JsonObject
        {
            ["lastHeartbeatAt"] = rules.HeartbeatAt(worker),
            ["secondsSinceHeartbeat"] = Seconds(now - rules.HeartbeatAt(worker)),
            ["heartbeatIntervalSeconds"] = interval,
            ["missedHeartbeatsBeforeOffline"] = missed,
            ["offlineAfterSeconds"] = interval * missed,
            ["lastPolledAt"] = worker.LastPolledAt,
        };
        var reasons = new List<DiagnosisReason>();
        if (status == WorkerStatus.Offline)
        {
            reasons.Add(new(DiagnosisCodes.HeartbeatMissed,
                $"Last heartbeat {Durations.Relative(rules.HeartbeatAt(worker), now)} ({Durations.Time(rules.HeartbeatAt(worker))}); "
                + $"its heartbeat interval is {interval} s, and a worker is Offline once {missed} intervals ({interval * missed} s) pass without one.",
                data));
        }
        else
        {
            var offlineAt = rules.WorkerOfflineAt(worker);
            data["offlineAt"] = offlineAt;
            reasons.Add(new(DiagnosisCodes.HeartbeatRecent,
                $"Last heartbeat {Durations.Relative(rules.HeartbeatAt(worker), now)}; without another it turns Offline "
                + $"{Durations.Relative(offlineAt, now)} ({missed} × {interval} s).",
                data) { Blocking = false });
        }

        if (status == WorkerStatus.Draining)
        {
            reasons.Add(new(DiagnosisCodes.WorkerDraining,
                $"Draining since {Durations.Relative(worker.DrainingSince!.Value, now)} ({Durations.Time(worker.DrainingSince.Value)}): "
                + "it claims nothing new, finishes the runs it has and exits.",
                new JsonObject { ["drainingSince"] = worker.DrainingSince }));
        }

        if (!worker.IsHealthy)
        {
            reasons.Add(UnhealthyReason([worker], $"Worker '{worker.Name}' reports unhealthy"));
        }

        return Build(WorkerKind, $"worker '{worker.Name}' of pool '{pool.Name}'", status.ToString(), reasons, now);
    }

    /// <summary>The pool's state a waiting run's reasons are read from: its queues, workers, slot holders and limits.</summary>
    private async Task<WaitScene> LoadSceneAsync(Guid poolId, List<PoolWorker> workers, DateTime now, CancellationToken ct)
    {
        var pool = await db.WorkPools.AsNoTracking().FirstAsync(p => p.Id == poolId, ct);
        var queues = await db.WorkQueues.AsNoTracking().Where(q => q.PoolId == poolId).ToListAsync(ct);
        // The slots, counted by the claim's own policy.
        var holders = await db.FlowRuns.AsNoTracking().SlotHolders(poolId, FlowRunSlots.HeldAfter(now, rules.Options.InfrastructureHoldSeconds))
            .OrderBy(r => r.ClaimedAt)
            .Select(r => new SlotHolder(r.Id, r.Name, r.State, r.WorkerName, r.QueueId, r.DeploymentId, r.ClaimedAt, r.InfrastructureHeldSince))
            .ToListAsync(ct);
        var deploymentLimits = await ClaimPolicy.DeploymentLimitsAsync(db, poolId, ct);
        var online = workers.Where(w => IsOnline(w) && w.IsHealthy).ToList();
        // Counted once for every run the scene explains: a pass over many waiting runs of a pool
        // with thousands of holders counted them again for each run.
        var slots = new SlotCount(pool, deploymentLimits, holders.Select(h => (h.QueueId, h.DeploymentId, 1)));
        return new WaitScene(pool, queues, workers, holders, deploymentLimits, slots, q => online.Any(w => Serves(w, q.Name)));
    }

    private async Task<List<DiagnosisReason>> WaitingReasonsAsync(FlowRun run, WaitScene scene, DateTime now, CancellationToken ct)
    {
        var (pool, queues, workers, holders, _, slots, _) = scene;
        var queue = queues.First(q => q.Id == run.QueueId);
        var reasons = new List<DiagnosisReason>();
        AddPausedReasons(reasons, pool, queue);

        // Who would claim it: online workers that serve its queue, and healthy (the claim skips the others).
        var serving = workers.Where(w => Serves(w, queue.Name)).ToList();
        var online = serving.Where(IsOnline).ToList();
        if (online.Count == 0)
        {
            reasons.Add(NoWorkerReason(pool, queue, workers, serving, now));
        }
        else if (online.All(w => !w.IsHealthy))
        {
            reasons.Add(UnhealthyReason(online, $"Every online worker serving queue '{queue.Name}' reports unhealthy and claims nothing"));
        }

        if (slots.PoolFull)
        {
            reasons.Add(LimitReason(DiagnosisCodes.PoolLimitFull, $"Work pool '{pool.Name}'", pool.ConcurrencyLimit!.Value, holders));
        }

        if (slots.QueueFull(queue))
        {
            reasons.Add(LimitReason(DiagnosisCodes.QueueLimitFull, $"Work queue '{queue.Name}'", queue.ConcurrencyLimit!.Value, [.. holders.Where(h => h.QueueId == queue.Id)]));
        }

        if (slots.DeploymentFull(run.DeploymentId))
        {
            reasons.Add(LimitReason(DiagnosisCodes.DeploymentLimitFull, $"Deployment '{run.FlowName}/{run.DeploymentName}'",
                slots.DeploymentLimit(run.DeploymentId!.Value)!.Value, [.. holders.Where(h => h.DeploymentId == run.DeploymentId)]));
        }

        if (run.State == FlowRunState.AwaitingRetry)
        {
            AddRetryReasons(reasons, run, now);
        }
        else if (run.ExpectedStartAt > now)
        {
            reasons.Add(new(DiagnosisCodes.ScheduledInFuture,
                $"It starts in {Durations.Format(run.ExpectedStartAt - now)} (expected start {Durations.Time(run.ExpectedStartAt)}); no worker claims it before then.",
                new JsonObject { ["expectedStartAt"] = run.ExpectedStartAt, ["secondsUntilStart"] = Seconds(run.ExpectedStartAt - now) }));
        }

        if (reasons.Count == 0)
        {
            await AddClearPathReasonsAsync(reasons, run, scene, queue, slots, online, now, ct);
        }

        return reasons;
    }

    /// <summary>An AwaitingRetry run waits for its retry delay, and for its last attempt's infrastructure when the lease reaper ended it.</summary>
    private void AddRetryReasons(List<DiagnosisReason> reasons, FlowRun run, DateTime now)
    {
        var data = new JsonObject
        {
            ["attempt"] = run.Attempt,
            ["maxAttempts"] = run.MaxAttempts,
            ["nextAttemptAt"] = run.NextAttemptAt,
            ["stateMessage"] = run.StateMessage,
        };
        if (run.NextAttemptAt is { } next && next > now)
        {
            data["secondsUntilAttempt"] = Seconds(next - now);
            reasons.Add(new(DiagnosisCodes.AwaitingRetry,
                $"Attempt {run.Attempt} of {run.MaxAttempts} starts in {Durations.Format(next - now)} ({Durations.Time(next)}): "
                + $"attempt {run.Attempt - 1} ended and the deployment's retry policy waits before the next one.",
                data));
        }

        var holdSeconds = rules.Options.InfrastructureHoldSeconds;
        if (ClaimPolicy.RetryHeld(run, FlowRunSlots.HeldAfter(now, holdSeconds)) && run.InfrastructureHeldSince is { } held)
        {
            var text = $"Attempt {run.Attempt - 1} was ended by the lease reaper while its infrastructure"
                + (run.InfrastructureId is { } infra ? $" '{infra}'" : "")
                + $" may still run: attempt {run.Attempt} waits until a worker of the pool confirms it gone";
            text += holdSeconds > 0 ? $", at the latest {Durations.Relative(held.AddSeconds(holdSeconds), now)} (the hold bound)." : ".";
            reasons.Add(new(DiagnosisCodes.InfrastructureHeld, text, new JsonObject
            {
                ["infrastructureId"] = run.InfrastructureId,
                ["workerName"] = run.WorkerName,
                ["infrastructureHeldSince"] = held,
                ["holdSeconds"] = holdSeconds,
            }));
        }
    }

    /// <summary>Nothing blocks the run: say what is ahead of it (in the claim's order, <see cref="ClaimPolicy.InFairOrder{T}"/>) and when its workers last polled.</summary>
    private async Task AddClearPathReasonsAsync(
        List<DiagnosisReason> reasons, FlowRun run, WaitScene scene, WorkQueue queue, SlotCount slots, List<PoolWorker> online, DateTime now, CancellationToken ct)
    {
        var ahead = await RunsAheadAsync(run, scene, queue, slots, now, ct);
        if (ahead > 0)
        {
            reasons.Add(new(DiagnosisCodes.AheadInLine,
                $"{Plural(ahead, "due run")} {(ahead == 1 ? "is" : "are")} ahead of it (higher-priority queues first, then queues of its priority by their weight, then earlier expected start).",
                new JsonObject { ["ahead"] = ahead }));
        }

        var lastPoll = online.Max(w => w.LastPolledAt);
        var names = string.Join(", ", online.Select(w => $"'{w.Name}'"));
        reasons.Add(new(DiagnosisCodes.AwaitingPoll,
            $"Nothing blocks it: worker {names} should claim it on the next poll"
            + (lastPoll is { } p ? $" (last poll {Durations.Relative(p, now)})." : " (no poll yet, only heartbeats)."),
            new JsonObject { ["workers"] = WorkersJson(online, now), ["lastPolledAt"] = lastPoll }) { Blocking = false });
    }

    /// <summary>
    /// The due runs the claim takes before this one: every due run of a queue with a lower priority
    /// number, the ones of its own queue due before it, and the share of each queue of its priority
    /// that fair share puts first (<see cref="FairShare.RunsAhead"/>).
    /// </summary>
    private async Task<int> RunsAheadAsync(FlowRun run, WaitScene scene, WorkQueue queue, SlotCount slots, DateTime now, CancellationToken ct)
    {
        var before = ClaimPolicy.QueuesAhead(scene.Pool, scene.Queues, queue).Select(q => q.Id).ToList();
        var sharing = ClaimPolicy.QueuesSharing(scene.Pool, scene.Queues, queue);
        var counted = before.Concat(sharing.Select(q => q.Id)).ToList();
        var runDue = ClaimPolicy.DueAt(run);
        Dictionary<Guid, int> dueByQueue;
        int rank;
        if (scene.Due is { } index)
        {
            // Many runs of one pass: counted from one read of the pool's due runs, not two queries a run.
            dueByQueue = counted.ToDictionary(id => id, index.Count);
            rank = 1 + index.CountBefore(queue.Id, runDue);
        }
        else
        {
            var heldAfter = FlowRunSlots.HeldAfter(now, rules.Options.InfrastructureHoldSeconds);
            var due = db.FlowRuns.AsNoTracking().Where(r => r.PoolId == run.PoolId && r.Id != run.Id).DueBy(now, heldAfter);
            dueByQueue = counted.Count == 0
                ? []
                : await due.Where(r => counted.Contains(r.QueueId)).GroupBy(r => r.QueueId)
                    .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
            rank = 1 + await due.CountAsync(r => r.QueueId == queue.Id
                && (r.State == FlowRunState.AwaitingRetry ? r.NextAttemptAt : r.ExpectedStartAt) < runDue, ct);
        }

        var ahead = rank - 1 + before.Sum(id => dueByQueue.GetValueOrDefault(id));
        foreach (var other in sharing)
        {
            ahead += FairShare.RunsAhead(queue, slots.QueueActive(queue.Id), rank, other, slots.QueueActive(other.Id), dueByQueue.GetValueOrDefault(other.Id));
        }

        return ahead;
    }

    private List<DiagnosisReason> ProgressReasons(FlowRun run, FlowRunState state, List<PoolWorker> workers, DateTime now)
    {
        var reasons = new List<DiagnosisReason>();
        var worker = workers.FirstOrDefault(w => w.Name == run.WorkerName);
        var data = new JsonObject
        {
            ["workerName"] = run.WorkerName,
            ["claimedAt"] = run.ClaimedAt,
            ["startedAt"] = run.StartedAt,
            ["endedAt"] = run.EndedAt,
            ["infrastructureId"] = run.InfrastructureId,
        };
        switch (state)
        {
            case FlowRunState.Pending:
                var claimed = run.ClaimedAt ?? run.UpdatedAt;
                reasons.Add(new(DiagnosisCodes.Claimed,
                    $"Claimed by worker '{run.WorkerName}' at {Durations.Time(claimed)} ({Durations.Relative(claimed, now)}); "
                    + "waiting for the worker to create its infrastructure and report Running.",
                    data) { Blocking = false });
                break;
            case FlowRunState.Running:
                var started = run.StartedAt ?? run.UpdatedAt;
                reasons.Add(new(DiagnosisCodes.Running,
                    $"Running on worker '{run.WorkerName}' since {Durations.Time(started)} ({Durations.Format(now - started)})"
                    + (run.InfrastructureId is { } infra ? $", infrastructure '{infra}'." : "."),
                    data) { Blocking = false });
                break;
            case FlowRunState.Cancelling:
                reasons.Add(new(DiagnosisCodes.Cancelling,
                    $"Cancellation was requested {Durations.Relative(run.UpdatedAt, now)}; waiting for worker '{run.WorkerName}' to stop its infrastructure.",
                    data) { Blocking = false });
                break;
            default:
                var ended = run.EndedAt ?? run.UpdatedAt;
                var text = $"{state} at {Durations.Time(ended)} ({Durations.Relative(ended, now)})";
                if (run.StartedAt is { } s)
                {
                    text += $" after running {Durations.Format(ended - s)}";
                }

                if (run.ExitCode is { } code)
                {
                    text += string.Create(CultureInfo.InvariantCulture, $", exit code {code}");
                }

                data["exitCode"] = run.ExitCode;
                data["stateMessage"] = run.StateMessage;
                reasons.Add(new(DiagnosisCodes.Ended, text + (run.StateMessage is { } m ? $": {m}" : "."), data) { Blocking = false });
                return reasons;
        }

        if (worker is not null && rules.Worker(worker) == WorkerStatus.Offline)
        {
            reasons.Add(new(DiagnosisCodes.WorkerOffline,
                $"Worker '{worker.Name}' is offline: last heartbeat {Durations.Relative(rules.HeartbeatAt(worker), now)}; "
                + (state == FlowRunState.Pending ? "the lease reaper puts the run back to Scheduled." : "the lease reaper marks the run Crashed (or retries it)."),
                new JsonObject { ["workers"] = WorkersJson([worker], now) }));
        }

        if (worker is { IsHealthy: false })
        {
            reasons.Add(UnhealthyReason([worker], $"Worker '{worker.Name}' reports unhealthy"));
        }

        return reasons;
    }

    private DiagnosisReason NoWorkerReason(WorkPool pool, WorkQueue queue, List<PoolWorker> all, List<PoolWorker> serving, DateTime now)
    {
        var text = $"No online worker serves queue '{queue.Name}' of pool '{pool.Name}'.";
        var others = all.Where(w => !Serves(w, queue.Name) && IsOnline(w)).ToList();
        if (others.Count > 0)
        {
            text += " Online workers serve only the pool's other queues: "
                + string.Join(", ", others.Select(w => $"'{w.Name}' ({string.Join(", ", QueuesOf(w))})")) + ".";
        }

        foreach (var w in serving.Where(w => rules.Worker(w) == WorkerStatus.Draining))
        {
            text += $" Worker '{w.Name}' serves it but is draining (since {Durations.Time(w.DrainingSince!.Value)}): it claims nothing new and exits once its runs end.";
        }

        var offline = serving.Where(w => rules.Worker(w) == WorkerStatus.Offline).ToList();
        var missed = rules.Options.MissedHeartbeatsBeforeOffline;
        foreach (var w in offline)
        {
            var interval = Interval(w);
            text += $" Worker '{w.Name}' serves it but is offline: last heartbeat {Durations.Relative(rules.HeartbeatAt(w), now)} "
                + $"({Durations.Time(rules.HeartbeatAt(w))}), interval {interval} s, offline after {interval * missed} s without one ({missed} × interval).";
        }

        if (all.Count == 0)
        {
            text += $" No worker has ever polled pool '{pool.Name}': start one with `worker start --pool {pool.Name}`.";
        }

        return new(DiagnosisCodes.NoWorker, text, new JsonObject
        {
            ["pool"] = pool.Name,
            ["queue"] = queue.Name,
            ["otherQueueWorkers"] = WorkersJson(others, now),
            ["offlineWorkers"] = WorkersJson(offline, now),
        });
    }

    private static DiagnosisReason UnhealthyReason(List<PoolWorker> workers, string lead)
    {
        var text = lead + ": " + string.Join("; ", workers.Select(w =>
            workers.Count == 1 ? (w.HealthMessage ?? "no reason given") : $"'{w.Name}': {w.HealthMessage ?? "no reason given"}")) + ".";
        return new(DiagnosisCodes.WorkerUnhealthy, text, new JsonObject
        {
            ["workers"] = new JsonArray([.. workers.Select(w => (JsonNode)new JsonObject
            {
                ["name"] = w.Name,
                ["isHealthy"] = w.IsHealthy,
                ["healthMessage"] = w.HealthMessage,
            })]),
        });
    }

    private static DiagnosisReason LimitReason(string code, string what, int limit, List<SlotHolder> holders)
    {
        var listed = string.Join(", ", holders.Take(MaxListed).Select(h =>
            $"'{h.Name}' ({h.State}{(h.WorkerName is { } w ? $" on {w}" : "")})"));
        if (holders.Count > MaxListed)
        {
            listed += $" and {holders.Count - MaxListed} more";
        }

        var text = $"{what} concurrency limit is full: {holders.Count} of {limit} slots in use"
            + (holders.Count > 0 ? $", held by {listed}." : ".");
        return new(code, text, new JsonObject
        {
            ["limit"] = limit,
            ["active"] = holders.Count,
            ["holders"] = new JsonArray([.. holders.Select(h => (JsonNode)new JsonObject
            {
                ["id"] = h.Id,
                ["name"] = h.Name,
                ["state"] = h.State.ToString(),
                ["workerName"] = h.WorkerName,
            })]),
        });
    }

    private static void AddPausedReasons(List<DiagnosisReason> reasons, WorkPool pool, WorkQueue queue)
    {
        if (pool.IsPaused)
        {
            reasons.Add(new(DiagnosisCodes.PoolPaused,
                $"Work pool '{pool.Name}' is paused: none of its runs is claimed until it is resumed.",
                new JsonObject { ["pool"] = pool.Name }));
        }

        if (queue.IsPaused)
        {
            reasons.Add(new(DiagnosisCodes.QueuePaused,
                $"Work queue '{queue.Name}' is paused: its runs wait until it is resumed.",
                new JsonObject { ["pool"] = pool.Name, ["queue"] = queue.Name }));
        }
    }

    private JsonArray WorkersJson(IEnumerable<PoolWorker> workers, DateTime now) =>
        new([.. workers.Select(w => (JsonNode)new JsonObject
        {
            ["name"] = w.Name,
            ["status"] = rules.Worker(w).ToString(),
            ["queues"] = new JsonArray([.. (ConsoleJson.Deserialize<List<string>>(w.Queues) ?? []).Select(q => (JsonNode)q)]),
            ["lastHeartbeatAt"] = rules.HeartbeatAt(w),
            ["secondsSinceHeartbeat"] = Seconds(now - rules.HeartbeatAt(w)),
            ["lastPolledAt"] = w.LastPolledAt,
            ["heartbeatIntervalSeconds"] = Interval(w),
            ["offlineAfterSeconds"] = Interval(w) * rules.Options.MissedHeartbeatsBeforeOffline,
            ["isHealthy"] = w.IsHealthy,
            ["healthMessage"] = w.HealthMessage,
        })]);

    private string DescribeWorker(PoolWorker w, DateTime now) => rules.Worker(w) switch
    {
        WorkerStatus.Online => $"'{w.Name}' (Online, last poll {(w.LastPolledAt is { } p ? Durations.Relative(p, now) : "never")})",
        WorkerStatus.Draining => $"'{w.Name}' (Draining since {Durations.Relative(w.DrainingSince!.Value, now)}: claims nothing new)",
        _ => $"'{w.Name}' (Offline, last heartbeat {Durations.Relative(rules.HeartbeatAt(w), now)}, interval {Interval(w)} s)",
    };

    private async Task<WorkPool> FindPoolAsync(string name, CancellationToken ct) =>
        await db.WorkPools.AsNoTracking().FirstOrDefaultAsync(p => p.Name == name, ct)
        ?? throw new NotFoundException($"Work pool '{name}' does not exist.");

    private bool IsOnline(PoolWorker worker) => rules.Worker(worker) == WorkerStatus.Online;

    private int Interval(PoolWorker worker) =>
        worker.HeartbeatIntervalSeconds > 0 ? worker.HeartbeatIntervalSeconds : rules.Options.DefaultHeartbeatIntervalSeconds;

    /// <summary>The queues a worker serves; none listed means every queue of its pool.</summary>
    internal static List<string> QueuesOf(PoolWorker worker)
    {
        var queues = ConsoleJson.Deserialize<List<string>>(worker.Queues) ?? [];
        return queues.Count == 0 ? ["all queues"] : queues;
    }

    internal static bool Serves(PoolWorker worker, string queue)
    {
        var queues = ConsoleJson.Deserialize<List<string>>(worker.Queues) ?? [];
        return queues.Count == 0 || queues.Contains(queue);
    }

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 3);

    private static string Plural(int n, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");

    private static DiagnosisDto Build(string kind, string subject, string status, List<DiagnosisReason> reasons, DateTime now) => new()
    {
        Kind = kind,
        Subject = subject,
        Status = status,
        Summary = (reasons.FirstOrDefault(r => r.Blocking) ?? reasons.FirstOrDefault())?.Message ?? "Nothing is wrong.",
        CheckedAt = now,
        Reasons = reasons,
    };

}

/// <summary>A run holding a slot of the pool, as the diagnosis names it and the estimate frees it.</summary>
internal sealed record SlotHolder(
    Guid Id, string Name, FlowRunState State, string? WorkerName, Guid QueueId, Guid? DeploymentId, DateTime? ClaimedAt, DateTime? InfrastructureHeldSince);

/// <summary>
/// The pool's state a waiting run is explained and estimated from. <paramref name="Slots"/>: the
/// holders counted (only read: nothing is claimed here); <paramref name="Served"/>: a healthy online
/// worker serves the queue.
/// </summary>
internal sealed record WaitScene(
    WorkPool Pool, List<WorkQueue> Queues, List<PoolWorker> Workers, List<SlotHolder> Holders, Dictionary<Guid, int> DeploymentLimits,
    SlotCount Slots, Func<WorkQueue, bool> Served)
{
    /// <summary>The pool's due runs, read once for a pass over many of them (<see cref="DiagnosisService.WaitingReasonsAsync(Guid, IReadOnlyList{FlowRun}, CancellationToken)"/>); null: count per run.</summary>
    public DueIndex? Due { get; init; }
}

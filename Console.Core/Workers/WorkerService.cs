using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Core.Polling;
using Console.Core.WorkPools;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Workers;

public sealed class WorkerService(
    ConsoleDbContext db, IChangeFeed feed, StatusRules rules, WorkPoolService pools, WorkerPresence presence, ClaimGate gate, WorkerRegistrar registrar,
    SteadyBeats steadyBeats)
{
    /// <summary>
    /// A heartbeat's one read (<see cref="BeatRow"/>).
    /// </summary>
    private static readonly CompiledPerModel<Func<ConsoleDbContext, string, string, CancellationToken, Task<BeatRow?>>> BeatQuery =
        new(() => EF.CompileAsyncQuery((ConsoleDbContext c, string pool, string worker, CancellationToken t) =>
            c.Workers.AsNoTracking()
                .Where(w => w.Pool.Name == pool && w.Name == worker)
                .Select(w => new BeatRow
                {
                    Worker = w,
                    Pool = w.Pool,
                    Running = c.FlowRuns.Count(r => r.PoolId == w.PoolId && r.WorkerName == w.Name && FlowRunStates.Active.Contains(r.State)),
                })
                .FirstOrDefault()));

    /// <summary>The worker's row, tracked (a poll's claim reads it under the write lock).</summary>
    private static readonly CompiledPerModel<Func<ConsoleDbContext, Guid, string, CancellationToken, Task<PoolWorker?>>> WorkerQuery =
        new(() => EF.CompileAsyncQuery((ConsoleDbContext c, Guid pool, string worker, CancellationToken t) =>
            c.Workers.FirstOrDefault(w => w.PoolId == pool && w.Name == worker)));

    /// <summary>The worker's runs that hold a slot (its view's running count, published after every claim).</summary>
    private static readonly CompiledPerModel<Func<ConsoleDbContext, Guid, string, CancellationToken, Task<int>>> RunningQuery =
        new(() => EF.CompileAsyncQuery((ConsoleDbContext c, Guid pool, string worker, CancellationToken t) =>
            c.FlowRuns.Count(r => r.PoolId == pool && r.WorkerName == worker && FlowRunStates.Active.Contains(r.State))));

    public async Task<IReadOnlyList<WorkerDto>> ListAsync(string? poolName, CancellationToken ct = default)
    {
        Guid? poolId = poolName is null ? null : (await pools.FindAsync(poolName, ct)).Id;
        var workers = await WorkersWithPools.ReadAsync(db, poolId is { } id ? w => w.PoolId == id : null, ct);
        var running = await RunningCountsAsync(ct);
        return [.. workers
            .OrderBy(w => w.Pool.Name).ThenBy(w => w.Name)
            .Select(w => ToDto(w, running.GetValueOrDefault((w.Pool.Name, w.Name))))];
    }

    /// <summary>
    /// Records a heartbeat, creating the worker on its first one. A heartbeat of an online worker
    /// that changes nothing else is held in memory and written with the next flush (<see cref="WorkerPresence"/>);
    /// after the first such one, it reads what the last one read (<see cref="SteadyBeats"/>).
    /// </summary>
    public async Task<PoolWorker> HeartbeatAsync(string poolName, HeartbeatRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = Names.Require(request.Name, "name");
        ValidateInterval(request.HeartbeatIntervalSeconds);
        var beat = new WorkerBeat(request.HeartbeatIntervalSeconds, request.Queues, Health: (request.IsHealthy ?? true, request.HealthMessage))
        {
            Stopped = request.Stopped == true,
            Draining = request.Draining == true,
        };
        if (steadyBeats.Find(poolName, name, out var ticket) is { } kept && IsSteady(kept, beat))
        {
            return HoldSteady(kept, beat);
        }

        var row = await BeatQuery.For(db)(db, poolName, name, ct);
        if (row is not null && IsSteady(row, beat))
        {
            steadyBeats.Keep(row, ticket);
            return HoldSteady(row, beat);
        }

        if (row is null && !beat.Stopped && !beat.Draining
            && await registrar.RegisterAsync(poolName, name, beat, ct) is { } registered)
        {
            await PublishAsync(registered, ct);
            await pools.PublishAsync(registered.Pool, registered, ct);
            return registered;
        }

        for (var attempt = 1; ; attempt++)
        {
            var pool = await pools.FindAsync(poolName, ct);
            var (worker, wasOnline) = await UpsertAsync(pool, name, beat, ct);
            // A beat saying the worker drains or stopped is never held in memory (WorkerBeat).
            var drainChanged = db.Entry(worker).State != EntityState.Detached && ApplyLifecycle(worker, request);
            if (beat.Stopped)
            {
                // Its heartbeats held in memory, or taken by a flush in flight, must not outweigh the stamp it gets.
                await presence.ForgetAsync(worker.Id, ct);
            }

            try
            {
                if (db.Entry(worker).State != EntityState.Detached)
                {
                    await SaveGatedAsync(ct);
                }
            }
            catch (DbUpdateException ex) when (attempt == 1 && UniqueViolation.Is(ex) && db.Entry(worker).State == EntityState.Added)
            {
                // A new worker's first heartbeat raced its first poll (or another heartbeat) that
                // inserted the row first: it is there now, so this heartbeat updates it instead.
                db.ChangeTracker.Clear();
                continue;
            }

            await PublishAsync(worker, ct);
            if (!wasOnline || drainChanged)
            {
                // The pool may have just turned Ready.
                await pools.PublishAsync(pool, worker, ct);
            }

            return worker;
        }
    }

    /// <summary>
    /// A heartbeat's write (a new worker, one back from Offline, new settings) waits its turn with the
    /// claims and the heartbeat flush (<see cref="ClaimGate"/>): on SQLite, in order, instead of
    /// busy-retrying on the write lock with sleeps of up to 100 ms; on PostgreSQL, without taking
    /// connections past the gate's width. A fleet coming up writes a row per worker at once.
    /// </summary>
    private Task<int> SaveGatedAsync(CancellationToken ct) => gate.RunAsync(() => db.SaveChangesAsync(ct), ct);

    /// <summary>
    /// Finds or creates the worker and stamps its heartbeat (and its poll, from a poll). When the
    /// worker is online and the beat changes nothing but the stamps, the returned worker is detached
    /// and the stamps wait in memory for the next flush; otherwise it is tracked and the caller saves
    /// (a new worker, one back from Offline, new settings or health: written at once, as events and
    /// the claim read them from the row).
    /// </summary>
    /// <returns>The worker, and whether it was Online before this heartbeat.</returns>
    public async Task<(PoolWorker Worker, bool WasOnline)> UpsertAsync(WorkPool pool, string name, WorkerBeat beat, CancellationToken ct) =>
        Upsert(pool, name, beat, await WorkerQuery.For(db)(db, pool.Id, name, ct));

    /// <summary>
    /// <see cref="UpsertAsync"/> with the worker's row already read, tracked, in this context (null:
    /// it has none): the claim reads it with its pool, in one round trip.
    /// </summary>
    internal (PoolWorker Worker, bool WasOnline) Upsert(WorkPool pool, string name, WorkerBeat beat, PoolWorker? worker)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(beat);
        var now = rules.Now;
        // Liveness only: a draining worker is alive too.
        var wasOnline = worker is not null && rules.IsAlive(worker);
        var queues = beat.QueuesJson();
        if (worker is not null && wasOnline && beat.ChangesNothingOf(worker, queues))
        {
            db.Entry(worker).State = EntityState.Detached;
            HoldBeat(worker, pool, beat, now);
            return (worker, wasOnline);
        }

        if (worker is { DrainingSince: not null } && !wasOnline)
        {
            // A drain ends with the worker: one that comes back after it was seen Offline claims again.
            worker.DrainingSince = null;
        }

        if (worker is null)
        {
            return (AddNew(pool, name, beat, now, queues), false);
        }

        Stamp(worker, pool, beat, now, queues);
        return (worker, wasOnline);
    }

    /// <summary>
    /// A worker heard from for the first time, added to this context (the caller saves: its event says
    /// it came online) and recorded in <see cref="WorkerPresence"/> as written.
    /// </summary>
    private PoolWorker AddNew(WorkPool pool, string name, WorkerBeat beat, DateTime now, string? queuesJson)
    {
        var worker = New(pool, name, beat, now, queuesJson);
        db.Workers.Add(worker);
        presence.Beat(worker, now, beat.PolledAt, stored: true);
        return worker;
    }

    /// <summary>The row of a worker heard from for the first time, neither tracked nor in <see cref="WorkerPresence"/> yet.</summary>
    internal PoolWorker New(WorkPool pool, string name, WorkerBeat beat, DateTime now, string? queuesJson)
    {
        var worker = new PoolWorker
        {
            PoolId = pool.Id,
            Name = name,
            CreatedAt = now,
            HeartbeatIntervalSeconds = rules.Options.DefaultHeartbeatIntervalSeconds,
        };
        Apply(worker, pool, beat, now, queuesJson);
        return worker;
    }

    private void Stamp(PoolWorker worker, WorkPool pool, WorkerBeat beat, DateTime now, string? queues)
    {
        Apply(worker, pool, beat, now, queues);
        presence.Beat(worker, now, beat.PolledAt, stored: true);
    }

    private void Apply(PoolWorker worker, WorkPool pool, WorkerBeat beat, DateTime now, string? queues)
    {
        worker.Pool = pool;
        worker.ReturnedFromLoss = presence.IsLost(worker.Id);
        worker.LastHeartbeatAt = now;
        worker.LastPolledAt = beat.PolledAt ?? worker.LastPolledAt;
        if (beat.IntervalSeconds is { } interval)
        {
            worker.HeartbeatIntervalSeconds = interval;
        }

        if (queues is not null)
        {
            worker.Queues = queues;
        }

        if (beat.Health is var (healthy, message))
        {
            worker.IsHealthy = healthy;
            worker.HealthMessage = message;
        }
    }

    /// <summary>
    /// True for the heartbeat of an online worker that changes nothing but its stamps (most of a
    /// fleet's heartbeats); otherwise it must be written (<see cref="UpsertAsync"/>).
    /// </summary>
    private bool IsSteady(BeatRow row, WorkerBeat beat) => rules.IsAlive(row.Worker) && beat.ChangesNothingOf(row.Worker, beat.QueuesJson());

    /// <summary>A steady heartbeat: held in memory for the next flush and published with the running count its row holds.</summary>
    private PoolWorker HoldSteady(BeatRow row, WorkerBeat beat)
    {
        HoldBeat(row.Worker, row.Pool, beat, rules.Now);
        Publish(row.Worker, row.Running, null);
        return row.Worker;
    }

    /// <summary>Stamps a detached worker and leaves its heartbeat (and poll) to the next flush.</summary>
    private void HoldBeat(PoolWorker worker, WorkPool pool, WorkerBeat beat, DateTime now)
    {
        worker.Pool = pool;
        worker.LastHeartbeatAt = now;
        worker.LastPolledAt = beat.PolledAt ?? presence.PolledAt(worker);
        presence.Beat(worker, now, beat.PolledAt, stored: false);
    }

    /// <summary>
    /// Asks a live worker to drain: it claims nothing new (the server refuses its claims from now on),
    /// finishes its runs and exits. It learns of it from its next heartbeat's answer.
    /// </summary>
    public async Task<WorkerDto> DrainAsync(string poolName, string name, CancellationToken ct = default)
    {
        name = Names.Require(name, "worker");
        var pool = await pools.FindAsync(poolName, ct);
        var worker = await db.Workers.FirstOrDefaultAsync(w => w.PoolId == pool.Id && w.Name == name, ct)
            ?? throw new NotFoundException($"Worker '{name}' is not known in pool '{poolName}'.");
        worker.Pool = pool;
        if (rules.Worker(worker) == WorkerStatus.Offline)
        {
            throw new ConflictException($"Worker '{name}' is offline: there is nothing to drain.");
        }

        if (worker.DrainingSince is null)
        {
            worker.DrainingSince = rules.Now;
            await db.SaveChangesAsync(ct);
            await pools.PublishAsync(pool, ct); // its last claiming worker may have been this one
        }

        return await PublishAsync(worker, ct);
    }

    public async Task DeleteAsync(string poolName, string name, CancellationToken ct = default)
    {
        var pool = await pools.FindAsync(poolName, ct);
        var worker = await db.Workers.FirstOrDefaultAsync(w => w.PoolId == pool.Id && w.Name == name, ct)
            ?? throw new NotFoundException($"Worker '{name}' is not known in pool '{poolName}'.");
        if (rules.Worker(worker) != WorkerStatus.Offline)
        {
            throw new ConflictException($"Worker '{name}' is {rules.Worker(worker)}; stop it first, then forget it.");
        }

        db.Workers.Remove(worker);
        await db.SaveChangesAsync(ct);
        presence.Forget(worker.Id);
        feed.Publish(new WorkerDeleted(poolName, name));
    }

    public Task<WorkerDto> PublishAsync(PoolWorker worker, CancellationToken ct = default) => PublishAsync(worker, null, null, ct);

    /// <param name="polled">From a poll: the stamps it left on the pool and queues.</param>
    /// <param name="running">The worker's runs that hold a slot, when the caller read them already (a poll's claim); else read here.</param>
    public async Task<WorkerDto> PublishAsync(PoolWorker worker, PollStampsDto? polled, int? running, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return Publish(worker, running ?? await RunningQuery.For(db)(db, worker.PoolId, worker.Name, ct), polled);
    }

    private WorkerDto Publish(PoolWorker worker, int running, PollStampsDto? polled)
    {
        var dto = ToDto(worker, running);
        feed.Publish(new WorkerChanged(dto, polled));
        return dto;
    }

    /// <summary>Publishes the worker when its derived status differs from what <paramref name="seen"/> holds.</summary>
    /// <returns>The published view, or null when nothing changed (or the worker is seen for the first time).</returns>
    public async Task<WorkerDto?> PublishIfChangedAsync(
        PoolWorker worker, System.Collections.Concurrent.ConcurrentDictionary<(Guid Pool, string Worker), WorkerStatus> seen, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(seen);
        var status = rules.Worker(worker);
        var key = (worker.PoolId, worker.Name);
        var known = seen.TryGetValue(key, out var last);
        seen[key] = status;
        return known && last != status ? await PublishAsync(worker, ct) : null;
    }

    public WorkerDto ToDto(PoolWorker worker, int runningRuns)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return new WorkerDto
        {
            Name = worker.Name,
            PoolName = worker.Pool.Name,
            Status = rules.Worker(worker),
            LastHeartbeatAt = presence.HeartbeatAt(worker),
            LastPolledAt = presence.PolledAt(worker),
            HeartbeatIntervalSeconds = worker.HeartbeatIntervalSeconds,
            Queues = ConsoleJson.Deserialize<List<string>>(worker.Queues) ?? [],
            RunningRuns = runningRuns,
            IsHealthy = worker.IsHealthy,
            HealthMessage = worker.HealthMessage,
            DrainingSince = worker.DrainingSince,
        };
    }

    /// <summary>What a worker says of its own life in a heartbeat: it drains (SIGTERM), or it has stopped.</summary>
    /// <returns>Whether its drain began or ended (the pool's status may move).</returns>
    private bool ApplyLifecycle(PoolWorker worker, HeartbeatRequest request)
    {
        if (request.Stopped == true)
        {
            // Its last word: Offline from now on, as if its heartbeats had lapsed this instant.
            worker.DrainingSince = null;
            worker.LastHeartbeatAt = rules.StoppedHeartbeat(worker);
            return true;
        }

        if (request.Draining == true && worker.DrainingSince is null)
        {
            worker.DrainingSince = rules.Now;
            return true;
        }

        return false;
    }

    internal static void ValidateInterval(int? seconds)
    {
        if (seconds is < 1 or > 3600)
        {
            throw new InvalidRequestException("heartbeatIntervalSeconds", "The heartbeat interval must be 1 to 3600 seconds.");
        }
    }

    private async Task<Dictionary<(string Pool, string Worker), int>> RunningCountsAsync(CancellationToken ct) =>
        await db.FlowRuns.AsNoTracking()
            .Where(r => r.WorkerName != null && FlowRunStates.Active.Contains(r.State))
            .GroupBy(r => new { r.WorkPoolName, r.WorkerName })
            .Select(g => new { g.Key.WorkPoolName, g.Key.WorkerName, Count = g.Count() })
            .ToDictionaryAsync(g => (g.WorkPoolName, g.WorkerName!), g => g.Count, ct);
}

using System.Collections.Concurrent;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Feed;
using Console.Core.WorkPools;

namespace Console.Core.Workers;

/// <summary>
/// What the last steady heartbeat of each worker read (its row, its pool, its running runs), kept so
/// the next one needs no database read: a fleet's heartbeats are almost all steady, and that read was
/// most of their cost. A singleton.
/// </summary>
/// <remarks>
/// A kept row is dropped by every change the feed carries that could make it wrong: the worker
/// published with anything else than it holds (drained, stopped, Offline, new settings, another
/// running count: a claim publishes it), any change of one of its runs, the worker or its pool
/// deleted, a run released or waiting for a retry in its pool (the run's worker is no longer named),
/// and a resync. Other replicas' changes arrive the same way through the Redis relay; without Redis a
/// kept row is trusted for <see cref="MaxAge"/> at most, so a drain asked on another replica reaches
/// the worker that late at worst (the claims refuse it at once: they read the database).
/// </remarks>
public sealed class SteadyBeats : IDisposable
{
    /// <summary>How long a kept row is trusted without a change seen (replicas without Redis).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<(string Pool, string Worker), Kept> _kept = new();
    private readonly ConcurrentDictionary<string, long> _poolGenerations = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IDisposable _subscription;

    /// <summary>Counts every drop: a read that began before one is not kept (it may predate the change).</summary>
    private long _generation;

    /// <summary>When the rows of workers gone quiet (renamed pods, a fleet scaled down) are swept out next, in ticks.</summary>
    private long _nextSweep;

    public SteadyBeats(IChangeFeed feed, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(feed);
        _time = time;
        _subscription = feed.Subscribe(OnChange);
    }

    /// <summary>How many rows are kept (tests).</summary>
    internal int Count => _kept.Count;

    /// <summary>Taken before the database read whose row <see cref="Keep"/> may keep.</summary>
    internal readonly record struct Ticket(long Generation, long PoolGeneration);

    /// <summary>The kept row of the worker, its worker a copy the caller may stamp; or null, with the ticket for the read.</summary>
    internal BeatRow? Find(string pool, string worker, out Ticket ticket)
    {
        ticket = new Ticket(Volatile.Read(ref _generation), PoolGeneration(pool));
        if (!_kept.TryGetValue((pool, worker), out var kept)
            || kept.PoolGeneration != ticket.PoolGeneration
            || _time.GetUtcNow().UtcDateTime - kept.At >= MaxAge)
        {
            return null;
        }

        return new BeatRow { Worker = kept.Row.Worker.Copy(), Pool = kept.Row.Pool, Running = kept.Row.Running };
    }

    /// <summary>Keeps a row read after <paramref name="ticket"/> was taken, unless something was dropped since.</summary>
    internal void Keep(BeatRow row, Ticket ticket)
    {
        var key = (row.Pool.Name, row.Worker.Name);
        if (Volatile.Read(ref _generation) != ticket.Generation)
        {
            return;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        Sweep(now);
        var kept = new Kept(
            new BeatRow { Worker = row.Worker.Copy(), Pool = row.Pool, Running = row.Running },
            ConsoleJson.Deserialize<List<string>>(row.Worker.Queues) ?? [],
            now,
            ticket.PoolGeneration);
        _kept[key] = kept;
        if (Volatile.Read(ref _generation) != ticket.Generation)
        {
            // A drop ran meanwhile and may have missed this row.
            _kept.TryRemove(KeyValuePair.Create(key, kept));
        }
    }

    public void Dispose() => _subscription.Dispose();

    /// <summary>Once per <see cref="MaxAge"/>, removes the rows too old to be used: only one per worker name ever heard from would stay otherwise.</summary>
    private void Sweep(DateTime now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now.Ticks < due || Interlocked.CompareExchange(ref _nextSweep, (now + MaxAge).Ticks, due) != due)
        {
            return;
        }

        foreach (var entry in _kept)
        {
            if (now - entry.Value.At >= MaxAge)
            {
                _kept.TryRemove(entry);
            }
        }
    }

    private long PoolGeneration(string pool) => _poolGenerations.TryGetValue(pool, out var generation) ? generation : 0;

    private void OnChange(ChangeEvent change)
    {
        switch (change)
        {
            case WorkerChanged { Worker: var worker }
                when _kept.TryGetValue((worker.PoolName, worker.Name), out var kept) && !kept.Says(worker):
                Drop(worker.PoolName, worker.Name);
                break;
            case WorkerDeleted deleted:
                Drop(deleted.Pool, deleted.Name);
                break;
            case FlowRunChanged { FlowRun: { WorkerName: { } name } run }:
                Drop(run.WorkPoolName, name);
                break;
            case FlowRunChanged { FlowRun: { State: FlowRunState.Scheduled or FlowRunState.AwaitingRetry } run }:
                // Released or retried: the worker that held it is not named any more.
                DropPool(run.WorkPoolName);
                break;
            case PoolDeleted deleted:
                DropPool(deleted.Name);
                break;
            case FeedResync:
                Interlocked.Increment(ref _generation);
                _kept.Clear();
                break;
        }
    }

    private void Drop(string pool, string worker)
    {
        Interlocked.Increment(ref _generation);
        _kept.TryRemove((pool, worker), out _);
    }

    private void DropPool(string pool) => _poolGenerations.AddOrUpdate(pool, 1, static (_, generation) => generation + 1);

    /// <summary>A class, not a record: <see cref="Keep"/> removes its own entry by reference.</summary>
    private sealed class Kept(BeatRow row, List<string> queues, DateTime at, long poolGeneration)
    {
        public BeatRow Row { get; } = row;

        public DateTime At { get; } = at;

        public long PoolGeneration { get; } = poolGeneration;

        /// <summary>True when the published worker is what this row says of it (a steady heartbeat's own view).</summary>
        public bool Says(WorkerDto worker) =>
            worker.Status != WorkerStatus.Offline
            && worker.RunningRuns == Row.Running
            && worker.DrainingSince == Row.Worker.DrainingSince
            && worker.HeartbeatIntervalSeconds == Row.Worker.HeartbeatIntervalSeconds
            && worker.IsHealthy == Row.Worker.IsHealthy
            && worker.HealthMessage == Row.Worker.HealthMessage
            && worker.Queues.SequenceEqual(queues, StringComparer.Ordinal);
    }
}

/// <summary>A heartbeat's one read: the worker, its pool and its running runs, untracked.</summary>
internal sealed class BeatRow
{
    public required PoolWorker Worker { get; init; }

    public required WorkPool Pool { get; init; }

    public int Running { get; init; }
}

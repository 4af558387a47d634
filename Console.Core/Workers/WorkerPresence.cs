using System.Collections.Concurrent;

namespace Console.Core.Workers;

/// <summary>
/// The latest heartbeat and poll of each worker this server heard from, kept in memory (a
/// singleton). A heartbeat of a worker that is online and changes nothing else is only recorded
/// here; <see cref="HeartbeatFlusher"/> writes the pending ones in one transaction per interval,
/// so a fleet costs a few writes a second instead of one per heartbeat. Every status rule and view
/// reads the newer of the stored and the in-memory value (<see cref="HeartbeatAt(PoolWorker)"/>),
/// so nobody sees the difference. Each replica holds and flushes its own.
/// </summary>
/// <remarks>
/// Also where a worker's lost connection is noted: a long-poll the peer aborted, with nothing heard
/// from the worker since (<see cref="ConnectionLossWatcher"/>), makes the worker read Offline at once.
/// </remarks>
#pragma warning disable CA1001 // Its semaphore is never disposed, on purpose: see _flushTurn.
public sealed class WorkerPresence
#pragma warning restore CA1001
{
    /// <summary>An entry nobody beat for this long is dropped (its worker left; the row keeps the last beat).</summary>
    private static readonly TimeSpan Forgotten = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    // One flush at a time, held from taking its heartbeats to the end of their write: a flush asked
    // for while the periodic one writes waits for it, and a stopped worker's stamp waits for the flush
    // that may hold one of its heartbeats (ForgetAsync). Never disposed: the host's last flush may
    // come after disposal, and a SemaphoreSlim whose wait handle nobody asked for holds nothing.
    private readonly SemaphoreSlim _flushTurn = new(1, 1);

    /// <summary>A heartbeat the database does not hold yet.</summary>
    public readonly record struct Pending(Guid WorkerId, DateTime HeartbeatAt, DateTime? PolledAt);

    /// <summary>How many heartbeats wait for the next flush.</summary>
    public int PendingCount => _entries.Values.Count(e => e.Dirty);

    /// <summary>Records a heartbeat (and a poll) of a worker whose row exists: written at the next flush, or already written (<paramref name="stored"/>).</summary>
    public void Beat(PoolWorker worker, DateTime at, DateTime? polledAt, bool stored)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var entry = _entries.GetOrAdd(worker.Id, _ => new Entry());
        lock (entry)
        {
            entry.HeartbeatAt = Max(entry.HeartbeatAt, at);
            entry.PolledAt = Max(entry.PolledAt, polledAt);
            entry.Dirty |= !stored;
            entry.Activity++;
            entry.Lost = false;
        }
    }

    /// <summary>The worker's latest heartbeat: the newer of the stored one and the one heard here.</summary>
    public DateTime HeartbeatAt(PoolWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return HeartbeatAt(worker.Id, worker.LastHeartbeatAt);
    }

    public DateTime HeartbeatAt(Guid workerId, DateTime stored) =>
        _entries.TryGetValue(workerId, out var entry) ? Max(entry.HeartbeatAt, stored) : stored;

    /// <summary>The worker's latest poll: the newer of the stored one and the one heard here.</summary>
    public DateTime? PolledAt(PoolWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return _entries.TryGetValue(worker.Id, out var entry) ? Max(entry.PolledAt, worker.LastPolledAt) : worker.LastPolledAt;
    }

    /// <summary>True when the worker's long-poll connection was lost and nothing was heard from it since.</summary>
    public bool IsLost(Guid workerId) => _entries.TryGetValue(workerId, out var entry) && entry.Lost;

    /// <summary>Notes that the peer aborted the worker's waiting long-poll.</summary>
    /// <returns>A mark to hand to <see cref="MarkLostIfSilent"/> once the grace has passed.</returns>
    public long PollAborted(Guid workerId) =>
        _entries.TryGetValue(workerId, out var entry) ? Volatile.Read(ref entry.Activity) : -1;

    /// <summary>Marks the worker lost when nothing was heard from it since <paramref name="mark"/>.</summary>
    /// <returns>True when the worker is newly marked lost.</returns>
    public bool MarkLostIfSilent(Guid workerId, long mark)
    {
        if (mark < 0 || !_entries.TryGetValue(workerId, out var entry))
        {
            return false;
        }

        lock (entry)
        {
            if (entry.Activity != mark || entry.Lost)
            {
                return false;
            }

            entry.Lost = true;
            return true;
        }
    }

    /// <summary>Takes the heartbeats to write; each stays pending again if the write fails (<see cref="Retry"/>).</summary>
    public IReadOnlyList<Pending> TakePending(DateTime now)
    {
        var pending = new List<Pending>();
        foreach (var (id, entry) in _entries)
        {
            lock (entry)
            {
                if (entry.Dirty)
                {
                    entry.Dirty = false;
                    pending.Add(new Pending(id, entry.HeartbeatAt, entry.PolledAt));
                }
                else if (now - entry.HeartbeatAt > Forgotten)
                {
                    _entries.TryRemove(id, out _);
                }
            }
        }

        return pending;
    }

    /// <summary>A flush failed: its heartbeats are pending again.</summary>
    public void Retry(IEnumerable<Pending> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        foreach (var p in pending)
        {
            if (_entries.TryGetValue(p.WorkerId, out var entry))
            {
                lock (entry)
                {
                    entry.Dirty = true;
                }
            }
        }
    }

    /// <summary>The worker's row is gone (deleted, or never written): the next heartbeat reads the database again.</summary>
    public void Forget(Guid workerId) => _entries.TryRemove(workerId, out _);

    /// <summary>
    /// Forgets the worker's heartbeats, then waits for a flush that took one of them before: when this
    /// returns, no heartbeat of it heard so far is still on its way to its row. A stopped worker's
    /// stamp is written after it, else a flush in flight would write a newer one over it and bring the
    /// worker back Online.
    /// </summary>
    public async Task ForgetAsync(Guid workerId, CancellationToken ct)
    {
        Forget(workerId);
        using (await FlushTurnAsync(ct))
        {
        }
    }

    /// <summary>The flush turn (<see cref="HeartbeatFlusher"/>): take the pending heartbeats and write them before disposing it.</summary>
    public async Task<IDisposable> FlushTurnAsync(CancellationToken ct)
    {
        await _flushTurn.WaitAsync(ct);
        return new Turn(_flushTurn);
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : Max(a.Value, b.Value);

    private sealed class Turn(SemaphoreSlim turn) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                turn.Release();
            }
        }
    }

    private sealed class Entry
    {
        public DateTime HeartbeatAt;
        public DateTime? PolledAt;
        public bool Dirty;
        public bool Lost;

        /// <summary>Counts heartbeats and polls: a lost connection is one after which it did not move.</summary>
        public long Activity;
    }
}

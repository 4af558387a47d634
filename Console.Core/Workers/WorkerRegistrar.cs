using Console.Core.Common;
using Console.Core.Persistence;
using Console.Core.Polling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Console.Core.Workers;

/// <summary>
/// Writes the rows of workers heard from for the first time, many in one transaction: the first
/// heartbeats that arrive while one batch is being written make the next. A fleet coming up writes
/// a row per worker, and one at a time each took a turn at the <see cref="ClaimGate"/> and a
/// transaction of its own, while the fleet's first polls waited behind them (B4). A heartbeat still
/// gets its answer only once its row and its "online" event are committed.
/// </summary>
/// <remarks>One batch is written at a time (<see cref="ClaimGate.RunWriteAsync"/>).</remarks>
public sealed partial class WorkerRegistrar(IServiceScopeFactory scopes, ClaimGate gate, StatusRules rules, ILogger<WorkerRegistrar> logger)
{
    /// <summary>The most rows one transaction writes: it holds the gate (and on SQLite the write lock) meanwhile.</summary>
    public const int MaxBatch = 256;

    /// <summary>Writes of one batch before its heartbeats write their rows alone.</summary>
    private const int WriteAttempts = 3;

    private readonly Lock _sync = new();
    private List<Registration> _queued = [];
    private bool _writing;

    /// <summary>
    /// Writes the row of a worker not in the database yet, stamped with <paramref name="beat"/>.
    /// Null when it could not be written with others (its pool does not exist, its row exists by now,
    /// or the batch failed): the caller then writes it the one-by-one way, which says why.
    /// </summary>
    public async Task<PoolWorker?> RegisterAsync(string poolName, string name, WorkerBeat beat, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(beat);
        var mine = new Registration(poolName, name, beat);
        bool lead;
        lock (_sync)
        {
            _queued.Add(mine);
            lead = !_writing;
            _writing = true;
        }

        if (lead)
        {
            // Not on the request: the batch is written even when the heartbeat that started it gives up.
            _ = Task.Run(WriteQueuedAsync, CancellationToken.None);
        }

        return await mine.Written.Task.WaitAsync(ct);
    }

    private async Task WriteQueuedAsync()
    {
        while (true)
        {
            List<Registration> batch;
            lock (_sync)
            {
                if (_queued.Count == 0)
                {
                    _writing = false;
                    return;
                }

                batch = _queued.Count <= MaxBatch ? _queued : _queued[..MaxBatch];
                _queued = _queued.Count <= MaxBatch ? [] : _queued[MaxBatch..];
            }

            var written = await WriteBatchAsync(batch);

            foreach (var registration in batch)
            {
                registration.Written.TrySetResult(written.GetValueOrDefault(registration));
            }
        }
    }

    /// <returns>The rows written, by registration; empty when the batch failed (each then writes its row alone and meets the error there).</returns>
    private async Task<Dictionary<Registration, PoolWorker>> WriteBatchAsync(List<Registration> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await gate.RunWriteAsync(() => WriteAsync(batch), CancellationToken.None);
            }
            catch (DbUpdateException ex) when (attempt < WriteAttempts && UniqueViolation.Is(ex))
            {
                // A claim on PostgreSQL inserted one of these workers meanwhile: read again and write
                // the others, rather than send the whole batch the one-by-one way behind the claims.
            }
#pragma warning disable CA1031 // Not swallowed: given to the batch's heartbeats, through their own writes.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogBatchFailed(logger, ex, batch.Count);
                return [];
            }
        }
    }

    private async Task<Dictionary<Registration, PoolWorker>> WriteAsync(List<Registration> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var workers = scope.ServiceProvider.GetRequiredService<WorkerService>();
        // SQLite's transaction holds the write lock from its start, so no row can appear between the
        // read below and the insert. On PostgreSQL a claim may insert one meanwhile: the insert then
        // fails whole, and is tried again (WriteBatchAsync).
        await using var tx = await db.Database.BeginTransactionAsync();
        var poolNames = batch.Select(r => r.Pool).Distinct().ToList();
        var pools = await db.WorkPools.Where(p => poolNames.Contains(p.Name)).ToDictionaryAsync(p => p.Name, StringComparer.Ordinal);
        var poolIds = pools.Values.Select(p => p.Id).ToList();
        var names = batch.Select(r => r.Name).Distinct().ToList();
        var existing = (await db.Workers.AsNoTracking()
                .Where(w => poolIds.Contains(w.PoolId) && names.Contains(w.Name))
                .Select(w => new { w.PoolId, w.Name })
                .ToListAsync())
            .Select(w => (w.PoolId, w.Name))
            .ToHashSet();

        var now = rules.Now;
        var written = new Dictionary<Registration, PoolWorker>();
        foreach (var registration in batch)
        {
            if (pools.GetValueOrDefault(registration.Pool) is { } pool && existing.Add((pool.Id, registration.Name)))
            {
                written[registration] = workers.AddNew(pool, registration.Name, registration.Beat, now, registration.Beat.QueuesJson());
            }
        }

        if (written.Count > 0)
        {
            await db.SaveChangesAsync();
        }

        await tx.CommitAsync();
        return written;
    }

    private sealed class Registration(string pool, string name, WorkerBeat beat)
    {
        public string Pool => pool;

        public string Name => name;

        public WorkerBeat Beat => beat;

        public TaskCompletionSource<PoolWorker?> Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} new workers together failed; each is written alone")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);
}

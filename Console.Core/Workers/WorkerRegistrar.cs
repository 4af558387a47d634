using System.Text.Json;
using Console.Core.Common;
using Console.Core.Events;
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
public sealed partial class WorkerRegistrar(
    IServiceScopeFactory scopes, ClaimGate gate, StatusRules rules, WorkerPresence presence, EventRecorder events, ILogger<WorkerRegistrar> logger)
{
    /// <summary>The most rows one transaction writes: it holds the gate (and on SQLite the write lock) meanwhile.</summary>
    public const int MaxBatch = 256;

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
        try
        {
            return await gate.RunWriteAsync(() => WriteAsync(batch), CancellationToken.None);
        }
#pragma warning disable CA1031 // Not swallowed: given to the batch's heartbeats, through their own writes.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogBatchFailed(logger, ex, batch.Count);
            return [];
        }
    }

    private async Task<Dictionary<Registration, PoolWorker>> WriteAsync(List<Registration> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var workers = scope.ServiceProvider.GetRequiredService<WorkerService>();
        await using var tx = await db.Database.BeginTransactionAsync();
        var poolNames = batch.Select(r => r.Pool).Distinct().ToList();
        var pools = await db.WorkPools.AsNoTracking().Where(p => poolNames.Contains(p.Name)).ToDictionaryAsync(p => p.Name, StringComparer.Ordinal);

        var now = rules.Now;
        var rows = new Dictionary<(Guid Pool, string Name), (Registration Registration, PoolWorker Worker)>();
        foreach (var registration in batch)
        {
            // A name twice in one batch: the second heartbeat updates the row the first writes.
            if (pools.GetValueOrDefault(registration.Pool) is { } pool && !rows.ContainsKey((pool.Id, registration.Name)))
            {
                rows[(pool.Id, registration.Name)] = (registration, workers.New(pool, registration.Name, registration.Beat, now, registration.Beat.QueuesJson()));
            }
        }

        if (rows.Count == 0)
        {
            return [];
        }

        // A row that exists by now is skipped, not an error: on PostgreSQL a first poll's claim may
        // insert the same worker meanwhile (SQLite's transaction holds the write lock, so none can).
        // Its heartbeat then updates that row the one-by-one way.
        var sqlite = db.Database.IsSqlite();
        var inserted = (sqlite
                ? await db.Database.SqlQueryRaw<Guid>(SqliteInsert, SqliteRows(rows.Values.Select(r => r.Worker))).ToListAsync()
                : await db.Database.SqlQueryRaw<Guid>(PostgresInsert, PostgresColumns(rows.Values.Select(r => r.Worker).ToList())).ToListAsync())
            .ToHashSet();
        var written = rows.Values.Where(r => inserted.Contains(r.Worker.Id)).ToDictionary(r => r.Registration, r => r.Worker);
        await events.InsertAsync(
            db, [.. written.Values.Select(w => WorkerEvents.Online(w, w.Pool.Name, now))], sqlite ? RawValues.Sqlite : RawValues.Postgres, null, CancellationToken.None);
        await tx.CommitAsync();
        foreach (var worker in written.Values)
        {
            presence.Beat(worker, now, worker.LastPolledAt, stored: true);
        }

        return written;
    }

    private const string Columns = """
        "Id", "PoolId", "Name", "CreatedAt", "LastHeartbeatAt", "LastPolledAt", "HeartbeatIntervalSeconds", "Queues", "IsHealthy", "HealthMessage"
        """;

    // The rows as one parameter, like the heartbeat flush: one statement of fixed text for any batch.
    private const string SqliteInsert = $"""
        INSERT INTO "Workers" ({Columns})
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
               json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]'),
               json_extract(value, '$[8]'), json_extract(value, '$[9]')
        FROM json_each({"{0}"}) WHERE true
        ON CONFLICT ("PoolId", "Name") DO NOTHING
        RETURNING "Id" AS "Value"
        """;

    private const string PostgresInsert = $"""
        INSERT INTO "Workers" ({Columns})
        SELECT * FROM unnest({"{0}"}, {"{1}"}, {"{2}"}, {"{3}"}, {"{4}"}, {"{5}"}, {"{6}"}, {"{7}"}, {"{8}"}, {"{9}"})
        ON CONFLICT ("PoolId", "Name") DO NOTHING
        RETURNING "Id" AS "Value"
        """;

    /// <summary>The rows as SQLite stores them: ids as upper-case text, times as EF Core writes them, booleans as 0 or 1.</summary>
    private static string SqliteRows(IEnumerable<PoolWorker> rows) =>
        JsonSerializer.Serialize(rows.Select(w => new object?[]
        {
            RawValues.Sqlite(w.Id), RawValues.Sqlite(w.PoolId), w.Name, RawValues.SqliteTime(w.CreatedAt), RawValues.SqliteTime(w.LastHeartbeatAt),
            w.LastPolledAt is { } polled ? RawValues.SqliteTime(polled) : null, w.HeartbeatIntervalSeconds, w.Queues, w.IsHealthy ? 1 : 0, w.HealthMessage,
        }));

    private static object[] PostgresColumns(List<PoolWorker> rows) =>
    [
        rows.Select(w => w.Id).ToArray(),
        rows.Select(w => w.PoolId).ToArray(),
        rows.Select(w => w.Name).ToArray(),
        rows.Select(w => RawValues.PostgresTime(w.CreatedAt)).ToArray(),
        rows.Select(w => RawValues.PostgresTime(w.LastHeartbeatAt)).ToArray(),
        rows.Select(w => w.LastPolledAt is { } polled ? RawValues.PostgresTime(polled) : (DateTime?)null).ToArray(),
        rows.Select(w => w.HeartbeatIntervalSeconds).ToArray(),
        rows.Select(w => w.Queues).ToArray(),
        rows.Select(w => w.IsHealthy).ToArray(),
        rows.Select(w => w.HealthMessage).ToArray(),
    ];

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

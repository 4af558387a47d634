using System.Text.Json;
using Console.Core.Common;
using Console.Core.Persistence;
using Console.Core.Polling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Core.Workers;

/// <summary>
/// Writes the heartbeats <see cref="WorkerPresence"/> holds, in one transaction every
/// <see cref="StatusOptions.HeartbeatFlushMilliseconds"/>, and once more when the server stops. A
/// server killed outright loses at most one interval of heartbeats: far less than the three
/// intervals a worker may stay silent before it is Offline, so nobody reads Offline after a restart.
/// </summary>
public sealed partial class HeartbeatFlusher(
    WorkerPresence presence, IServiceScopeFactory scopes, ClaimGate gate, TimeProvider time,
    IOptions<StatusOptions> options, ILogger<HeartbeatFlusher> logger) : PeriodicBackgroundService
{
    protected override TimeSpan Period => TimeSpan.FromMilliseconds(options.Value.HeartbeatFlushMilliseconds);

    protected override Task TickAsync(CancellationToken ct) => FlushAsync(ct);

    /// <summary>Writes what is pending now; a failure leaves it pending for the next flush.</summary>
    /// <remarks>One flush at a time (<see cref="WorkerPresence.FlushTurnAsync"/>): when this returns, every heartbeat held before it was called is written, not still on its way.</remarks>
    public async Task FlushAsync(CancellationToken ct)
    {
        using (await presence.FlushTurnAsync(ct))
        {
            await FlushPendingAsync(ct);
        }
    }

    private async Task FlushPendingAsync(CancellationToken ct)
    {
        var pending = presence.TakePending(time.GetUtcNow().UtcDateTime);
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            // SQLite has one writer: queue behind this process's claims instead of spinning on the lock.
            await gate.RunWriteAsync(() => WriteAsync(pending, ct), ct);
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException or OperationCanceledException)
        {
            presence.Retry(pending);
            if (ex is not OperationCanceledException)
            {
                LogFlushFailed(logger, ex, pending.Count);
            }
        }
    }

    private async Task WriteAsync(IReadOnlyList<WorkerPresence.Pending> pending, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        List<Guid> written;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // One statement of fixed text for the whole flush, not one per worker: a fleet of 10,000
            // leaves about 2,500 heartbeats a flush. The rows come as one parameter (a JSON array on
            // SQLite, arrays on PostgreSQL), so the statement is prepared once and planned alike.
            written = db.Database.IsSqlite()
                ? await db.Database.SqlQueryRaw<Guid>(SqliteUpdate, SqliteRows(pending)).ToListAsync(ct)
                : await db.Database.SqlQueryRaw<Guid>(
                    PostgresUpdate,
                    pending.Select(p => p.WorkerId).ToArray(),
                    pending.Select(p => RawValues.PostgresTime(p.HeartbeatAt)).ToArray(),
                    pending.Select(p => p.PolledAt is { } at ? RawValues.PostgresTime(at) : (DateTime?)null).ToArray())
                    .ToListAsync(ct);
            await tx.CommitAsync(ct);
        }

        var found = written.ToHashSet();
        foreach (var p in pending)
        {
            if (!found.Contains(p.WorkerId))
            {
                presence.Forget(p.WorkerId); // its row is gone
            }
        }
    }

    // Never backwards: another replica, or a heartbeat written at once, may have stored a newer one.
    // A poll stamps LastPolledAt as well; a heartbeat alone leaves it as it is.
    private const string SetStamps = """
        SET "LastHeartbeatAt" = CASE WHEN w."LastHeartbeatAt" < v."At" THEN v."At" ELSE w."LastHeartbeatAt" END,
            "LastPolledAt" = CASE WHEN v."Polled" IS NOT NULL AND (w."LastPolledAt" IS NULL OR w."LastPolledAt" < v."Polled") THEN v."Polled" ELSE w."LastPolledAt" END
        """;

    // SQLite's RETURNING names the updated table's columns only unqualified: hence "WorkerId" in v.
    private const string SqliteUpdate = $"""
        WITH v AS (SELECT json_extract(value, '$[0]') AS "WorkerId", json_extract(value, '$[1]') AS "At", json_extract(value, '$[2]') AS "Polled" FROM json_each({"{0}"}))
        UPDATE "Workers" AS w {SetStamps}
        FROM v WHERE w."Id" = v."WorkerId"
        RETURNING "Id" AS "Value"
        """;

    private const string PostgresUpdate = $"""
        UPDATE "Workers" AS w {SetStamps}
        FROM unnest({"{0}"}, {"{1}"}, {"{2}"}) AS v("WorkerId", "At", "Polled")
        WHERE w."Id" = v."WorkerId"
        RETURNING "Id" AS "Value"
        """;

    /// <summary>The rows as SQLite stores them: ids as upper-case text, times as EF Core writes them (text that sorts as time).</summary>
    private static string SqliteRows(IReadOnlyList<WorkerPresence.Pending> pending) =>
        JsonSerializer.Serialize(pending.Select(p => new[]
        {
            (string)RawValues.Sqlite(p.WorkerId), RawValues.SqliteTime(p.HeartbeatAt), p.PolledAt is { } at ? RawValues.SqliteTime(at) : null,
        }));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} heartbeats failed; they stay pending for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int count);
}

using System.Globalization;
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
    /// <summary>Rows per UPDATE: three parameters each, far below SQLite's 32,766 and PostgreSQL's 65,535.</summary>
    private const int RowsPerStatement = 1000;

    protected override TimeSpan Period => TimeSpan.FromMilliseconds(options.Value.HeartbeatFlushMilliseconds);

    protected override Task TickAsync(CancellationToken ct) => FlushAsync(ct);

    /// <summary>Writes what is pending now; a failure leaves it pending for the next flush.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var pending = presence.TakePending(time.GetUtcNow().UtcDateTime);
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            // SQLite has one writer: queue behind this process's claims instead of spinning on the lock.
            await gate.WaitAsync(ct);
            try
            {
                await WriteAsync(pending, ct);
            }
            finally
            {
                gate.Release();
            }
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
        Func<object, object> value = db.Database.IsSqlite() ? RawValues.Sqlite : RawValues.Postgres;
        var written = new HashSet<Guid>();
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // A statement per group and chunk, not per worker: a fleet of 10,000 leaves about 2,500
            // heartbeats a flush. Polls stamp LastPolledAt as well; the rest leave it as it is (a
            // column of NULL parameters would have no type on PostgreSQL).
            foreach (var group in pending.GroupBy(p => p.PolledAt is not null))
            {
                foreach (var chunk in group.Chunk(RowsPerStatement))
                {
                    var sql = UpdateSql(chunk.Length, polled: group.Key);
                    var args = chunk.SelectMany(p => group.Key
                        ? new[] { value(p.WorkerId), value(p.HeartbeatAt), value(p.PolledAt!.Value) }
                        : new[] { value(p.WorkerId), value(p.HeartbeatAt) }).ToArray();
                    written.UnionWith(await db.Database.SqlQueryRaw<Guid>(sql, args).ToListAsync(ct));
                }
            }

            await tx.CommitAsync(ct);
        }

        foreach (var p in pending)
        {
            if (!written.Contains(p.WorkerId))
            {
                presence.Forget(p.WorkerId); // its row is gone
            }
        }
    }

    /// <summary>
    /// The stamps of <paramref name="rows"/> workers in one UPDATE ... FROM a VALUES list (SQLite 3.33+
    /// and PostgreSQL), never backwards: another replica, or a heartbeat written at once, may have
    /// stored a newer one. Only fixed SQL and placeholders; every value is a parameter. (SQLite's
    /// RETURNING names the updated table's columns only unqualified: hence "WorkerId" in the list.)
    /// </summary>
    private static string UpdateSql(int rows, bool polled)
    {
        var width = polled ? 3 : 2;
        var values = string.Join(", ", Enumerable.Range(0, rows).Select(r =>
            "(" + string.Join(", ", Enumerable.Range(r * width, width).Select(i => "{" + i.ToString(CultureInfo.InvariantCulture) + "}")) + ")"));
        var polledSet = polled
            ? """, "LastPolledAt" = CASE WHEN w."LastPolledAt" IS NULL OR w."LastPolledAt" < v."Polled" THEN v."Polled" ELSE w."LastPolledAt" END"""
            : "";
        return $"""
            WITH v("WorkerId", "At"{(polled ? ", \"Polled\"" : "")}) AS (VALUES {values})
            UPDATE "Workers" AS w SET "LastHeartbeatAt" = CASE WHEN w."LastHeartbeatAt" < v."At" THEN v."At" ELSE w."LastHeartbeatAt" END{polledSet}
            FROM v WHERE w."Id" = v."WorkerId"
            RETURNING "Id" AS "Value"
            """;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} heartbeats failed; they stay pending for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int count);
}

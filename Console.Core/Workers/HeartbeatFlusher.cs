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
        var gone = new List<Guid>();
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var (id, at, polled) in pending)
            {
                // Never backwards: another replica (or a write-through heartbeat) may have written a newer one.
                var written = await db.Workers
                    .Where(w => w.Id == id)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(w => w.LastHeartbeatAt, w => w.LastHeartbeatAt < at ? at : w.LastHeartbeatAt)
                        .SetProperty(w => w.LastPolledAt, w => polled != null && (w.LastPolledAt == null || w.LastPolledAt < polled) ? polled : w.LastPolledAt), ct);
                if (written == 0)
                {
                    gone.Add(id);
                }
            }

            await tx.CommitAsync(ct);
        }

        foreach (var id in gone)
        {
            presence.Forget(id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} heartbeats failed; they stay pending for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int count);
}

using Console.Core.Common;
using Console.Core.Contracts;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Web.Jobs;

/// <summary>
/// A claim is a lease held while its worker is Online. When the worker goes Offline its runs are
/// settled so no concurrency slot stays taken: a Pending run (never started) goes back to
/// Scheduled for another worker, a Running one is Crashed, a Cancelling one is Cancelled.
/// </summary>
/// <remarks>
/// Workers cannot heartbeat while the server is down, so a restarted server counts each worker's
/// silence from its own start: a worker gets its full offline window to report back before its
/// runs are touched. Several replicas may reap at the same moment: see <see cref="SettleAsync"/>.
/// </remarks>
public sealed partial class LeaseReaperJob(
    ConsoleDbContext db, FlowRunService runs, StatusRules rules, ServerStart serverStart, ILogger<LeaseReaperJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var held = await db.FlowRuns
            .Where(r => r.WorkerName != null && FlowRunStates.Active.Contains(r.State))
            .ToListAsync(ct);
        if (held.Count == 0)
        {
            return 0;
        }

        var workers = await db.Workers.AsNoTracking()
            .Select(w => new { w.PoolId, w.Name, w.LastHeartbeatAt, w.HeartbeatIntervalSeconds })
            .ToListAsync(ct);
        var online = workers
            .Where(w => rules.Worker(Max(w.LastHeartbeatAt, serverStart.At), w.HeartbeatIntervalSeconds) == WorkerStatus.Online)
            .Select(w => (w.PoolId, w.Name))
            .ToHashSet();

        var reaped = 0;
        foreach (var run in held.Where(r => !online.Contains((r.PoolId, r.WorkerName!))))
        {
            var worker = run.WorkerName;
            var report = run.State switch
            {
                FlowRunState.Pending => new StateReport(FlowRunState.Scheduled, $"Worker '{worker}' went offline before starting the run; it is back in the queue."),
                FlowRunState.Running => new StateReport(FlowRunState.Crashed, $"Worker '{worker}' stopped heartbeating while the run was running; its infrastructure may still exist."),
                _ => new StateReport(FlowRunState.Cancelled, $"Worker '{worker}' went offline while cancelling the run."),
            };
            try
            {
                if (await SettleAsync(run, report, ct))
                {
                    reaped++;
                    LogReaped(logger, run.Id, worker!, report.State);
                }
            }
            catch (ConflictException)
            {
                // The worker reported meanwhile; its report wins.
            }
        }

        return reaped;
    }

    /// <summary>
    /// Settles the run only if nobody changed it since it was read: not its worker (back online
    /// and reporting), not another replica's reaper, not a claim of the run by a new worker after
    /// that reaper put it back. The guard is a compare-and-set on what was read, inside the
    /// transaction that writes the change, so on SQLite and PostgreSQL alike exactly one writer wins.
    /// </summary>
    private async Task<bool> SettleAsync(FlowRun run, StateReport report, CancellationToken ct)
    {
        var (seenState, seenWorker, seenAt) = (run.State, run.WorkerName, run.UpdatedAt);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // UpdatedAt moves by a tick at least, so a concurrent compare-and-set on the same values fails.
        var taken = await db.FlowRuns
            .Where(r => r.Id == run.Id && r.State == seenState && r.WorkerName == seenWorker && r.UpdatedAt == seenAt)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.UpdatedAt, seenAt.AddTicks(1)), ct);
        if (taken == 0)
        {
            db.Entry(run).State = EntityState.Detached;
            return false;
        }

        await runs.ApplyAsync(run, report, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of offline worker {Worker} -> {State}")]
    private static partial void LogReaped(ILogger logger, Guid runId, string worker, FlowRunState state);
}

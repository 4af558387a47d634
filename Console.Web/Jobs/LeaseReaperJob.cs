using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Web.Jobs;

/// <summary>
/// A claim is a lease held while its worker is Online. When the worker goes Offline its runs are
/// settled: a Pending run (never started) goes back to Scheduled for another worker, a Running one
/// is Crashed, a Cancelling one is Cancelled. The last two keep their concurrency slot until a
/// worker of the pool confirms their infrastructure gone (or the hold bound passes).
/// </summary>
/// <remarks>
/// Workers cannot heartbeat while the server is down, so a restarted server counts each worker's
/// silence from its own start: a worker gets its full offline window to report back before its
/// runs are touched. Several replicas may reap at the same moment: each settles a run only on the
/// state it finds at the write (FlowRunService.ApplyToLatestAsync), so exactly one of them does.
/// </remarks>
public sealed partial class LeaseReaperJob(
    ConsoleDbContext db, FlowRunService runs, StatusRules rules, ServerStart serverStart, ILogger<LeaseReaperJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        // Who holds runs, not the runs: a busy fleet holds thousands, and a pass reads them every few
        // seconds; only an offline worker's runs are read (their ids) and settled.
        var holders = await db.FlowRuns.AsNoTracking()
            .Where(r => r.WorkerName != null && FlowRunStates.Active.Contains(r.State))
            .Select(r => new { r.PoolId, r.WorkerName })
            .Distinct()
            .ToListAsync(ct);
        if (holders.Count == 0)
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
        foreach (var holder in holders.Where(h => !online.Contains((h.PoolId, h.WorkerName!))))
        {
            reaped += await ReapAsync(holder.PoolId, holder.WorkerName!, ct);
        }

        return reaped;
    }

    private async Task<int> ReapAsync(Guid poolId, string worker, CancellationToken ct)
    {
        var held = await db.FlowRuns.AsNoTracking()
            .Where(r => r.PoolId == poolId && r.WorkerName == worker && FlowRunStates.Active.Contains(r.State))
            .Select(r => r.Id)
            .ToListAsync(ct);
        var reaped = 0;
        foreach (var id in held)
        {
            try
            {
                // Decided on the row as it is at the write: a Pending run that its worker reported
                // Running meanwhile is Crashed, never put back in the queue to run twice.
                var settled = await runs.ApplyToLatestAsync(id, latest => latest.WorkerName != worker || !latest.State.IsActive()
                    ? throw new ConflictException("The run moved on meanwhile.")
                    : latest.State switch
                    {
                        FlowRunState.Pending => new StateReport(FlowRunState.Scheduled, $"Worker '{worker}' went offline before starting the run; it is back in the queue."),
                        // The infrastructure may outlive its worker: the slot stays taken until a
                        // worker of the pool confirms it gone (docs/reliability.md, "Fencing").
                        FlowRunState.Running => new StateReport(FlowRunState.Crashed,
                            $"Worker '{worker}' stopped heartbeating while the run was running; its infrastructure may still exist, so the run keeps its slot until a worker of the pool has stopped it.",
                            InfrastructureMayRemain: true),
                        _ => new StateReport(FlowRunState.Cancelled, $"Worker '{worker}' went offline while cancelling the run.", InfrastructureMayRemain: true),
                    }, ct);
                reaped++;
                LogReaped(logger, id, worker, settled.State);
            }
            catch (ConflictException)
            {
                // The worker reported meanwhile; its report wins.
            }
        }

        return reaped;
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of offline worker {Worker} -> {State}")]
    private static partial void LogReaped(ILogger logger, Guid runId, string worker, FlowRunState state);
}

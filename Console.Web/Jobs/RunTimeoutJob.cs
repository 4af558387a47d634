using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Console.Web.Jobs;

/// <summary>
/// The server's backstop for deployment timeouts (docs/reliability.md, "Timeouts"). The worker that
/// runs a run stops it at <c>timeoutSeconds</c> and reports TimedOut; when a run is still Running
/// <see cref="JobOptions.TimeoutGraceSeconds"/> later, its worker is gone or not acting, and the
/// server ends it TimedOut itself. Its infrastructure may still run, so the slot stays held until a
/// worker of the pool confirms it gone (as after the lease reaper); the retry policy then applies
/// as for any other end (<see cref="RunRetries"/>).
/// </summary>
public sealed partial class RunTimeoutJob(
    ConsoleDbContext db, FlowRunService runs, StatusRules rules, IOptions<JobOptions> options, ILogger<RunTimeoutJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = rules.Now;
        var grace = options.Value.TimeoutGraceSeconds;
        // Running runs are few; the deadline is computed here, the same way on every provider.
        var running = await (from r in db.FlowRuns.AsNoTracking()
                             join d in db.Deployments.AsNoTracking() on r.DeploymentId equals d.Id
                             where r.State == FlowRunState.Running && d.TimeoutSeconds != null
                             select new { r.Id, r.Attempt, r.StartedAt, r.UpdatedAt, r.WorkerName, r.PoolId, Timeout = d.TimeoutSeconds!.Value })
            .ToListAsync(ct);
        var overdue = running.Where(r => (r.StartedAt ?? r.UpdatedAt).AddSeconds(r.Timeout + grace) <= now).ToList();
        if (overdue.Count == 0)
        {
            return 0;
        }

        var workers = await db.Workers.AsNoTracking().Select(w => new { w.PoolId, w.Name, w.LastHeartbeatAt, w.HeartbeatIntervalSeconds }).ToListAsync(ct);
        var ended = 0;
        foreach (var run in overdue)
        {
            var worker = workers.FirstOrDefault(w => w.PoolId == run.PoolId && w.Name == run.WorkerName);
            var online = worker is not null && rules.Worker(worker.LastHeartbeatAt, worker.HeartbeatIntervalSeconds) == WorkerStatus.Online;
            var ran = now - (run.StartedAt ?? run.UpdatedAt);
            var message = $"Ran {Durations.Format(ran)}, past its deployment's timeout of {Durations.Format(TimeSpan.FromSeconds(run.Timeout))}, "
                + (online
                    ? $"and worker '{run.WorkerName}' did not stop it within {grace} s: the server ended it."
                    : $"and worker '{run.WorkerName}' is offline: the server ended it.")
                + " Its infrastructure may still exist, so the run keeps its slot until a worker of the pool has stopped it.";
            try
            {
                var settled = await runs.ApplyToLatestAsync(run.Id, latest => latest.State != FlowRunState.Running || latest.Attempt != run.Attempt
                    ? throw new ConflictException("The run moved on meanwhile.")
                    : new StateReport(FlowRunState.TimedOut, message, InfrastructureMayRemain: true), ct);
                ended++;
                LogTimedOut(logger, run.Id, run.Attempt, run.Timeout, settled.State);
            }
            catch (ConflictException)
            {
                // Its worker reported meanwhile (TimedOut, or it finished just in time): its report wins.
            }
        }

        return ended;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} attempt {Attempt} ran past its {Timeout} s timeout and its worker did not stop it -> TimedOut (now {State})")]
    private static partial void LogTimedOut(ILogger logger, Guid runId, int attempt, int timeout, FlowRunState state);
}

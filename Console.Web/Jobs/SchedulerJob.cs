using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Core.Common;
using Console.Core.Deployments;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Console.Web.Jobs;

/// <summary>
/// Materialises the schedule occurrences of active deployments as Scheduled runs ahead of time.
/// Each run carries a key (schedule index + occurrence instant) that is unique per deployment, so
/// running this job twice, after a restart, or on two replicas at the same moment never makes a
/// second run for one occurrence.
/// </summary>
public sealed partial class SchedulerJob(
    ConsoleDbContext db, DeploymentService deployments, FlowRunService runs, StatusRules rules, LatePolicyJob latePolicy,
    IOptions<JobOptions> options, ILogger<SchedulerJob> logger)
{
    /// <summary>Applies the late policies (<see cref="LatePolicyJob"/>), then makes the runs of the horizon; returns how many it made.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await latePolicy.RunAsync(ct);
        var now = rules.Now;
        var horizon = now.AddSeconds(options.Value.ScheduleHorizonSeconds);
        var active = await db.Deployments.Include(d => d.Pool).Include(d => d.Queue)
            .Where(d => !d.IsPaused && d.Schedules != "[]")
            .ToListAsync(ct);

        var created = 0;
        foreach (var deployment in active)
        {
            var schedules = ConsoleJson.Deserialize<List<ScheduleDto>>(deployment.Schedules) ?? [];
            var existing = (await db.FlowRuns.AsNoTracking()
                .Where(r => r.DeploymentId == deployment.Id && r.ScheduleKey != null && r.ExpectedStartAt > now)
                .Select(r => r.ScheduleKey!)
                .ToListAsync(ct)).ToHashSet();

            for (var i = 0; i < schedules.Count; i++)
            {
                if (!schedules[i].Active)
                {
                    continue;
                }

                var occurrences = Schedules.Occurrences(schedules[i], deployment.CreatedAt, now, horizon)
                    .Take(options.Value.MaxScheduledRunsPerSchedule);
                foreach (var at in occurrences)
                {
                    var key = $"{i}:{at:O}";
                    if (existing.Contains(key))
                    {
                        continue;
                    }

                    try
                    {
                        await runs.AddAsync(deployments.BuildRun(deployment, null, null, at, key), ct);
                        created++;
                    }
                    catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
                    {
                        // Another replica made it first: the unique key did its job. Any other
                        // failure propagates, so the pass fails loudly and the next one fills in.
                        db.ChangeTracker.Clear();
                    }
                    catch (UnprocessableException ex)
                    {
                        // The pool's template changed under the deployment; say so once per pass.
                        LogInvalidDeployment(logger, deployment.FlowName, deployment.Name, ex.Message);
                        break;
                    }
                }
            }
        }

        return created;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deployment {Flow}/{Deployment} cannot be scheduled: {Reason}")]
    private static partial void LogInvalidDeployment(ILogger logger, string flow, string deployment, string reason);
}

using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Web.Jobs;

/// <summary>
/// The deployments' late policies and the CancelNew strategy for runs the scheduler made ahead of
/// time, applied on every scheduler pass (docs/reliability.md, "Late runs"): a Scheduled run not
/// claimed <c>skipAfterSeconds</c> after its expected start ends Skipped; of the due Scheduled runs
/// of a deployment at most <c>maxScheduled</c> (the newest) wait, the older ones end Skipped; a due
/// scheduled run of a CancelNew deployment whose limit is full ends Cancelled. Also run once at
/// start-up (<see cref="RunBeforeServingAsync"/>).
/// </summary>
/// <remarks>
/// Each run is settled on the state it has at the write (<see cref="FlowRunService.ApplyToLatestAsync"/>):
/// a run a worker claimed meanwhile runs, and replicas running the pass at once settle a run once.
/// </remarks>
public sealed partial class LatePolicyJob(ConsoleDbContext db, FlowRunService runs, StatusRules rules, ILogger<LatePolicyJob> logger)
{
    /// <summary>
    /// One pass as the server starts, before it answers any worker: the runs an outage left too
    /// late are Skipped before a worker can claim them, not at the first scheduler pass (Hangfire
    /// may only register it once the locks a killed replica held time out). Every replica does it
    /// whether its periodic jobs are on or not, since any replica serves claims.
    /// </summary>
    public static async Task RunBeforeServingAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LatePolicyJob>().RunAsync(ct);
    }

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = rules.Now;
        var deployments = await db.Deployments.AsNoTracking()
            .Where(d => d.LateSkipAfterSeconds != null || d.LateMaxScheduled != null || (d.CollisionStrategy == CollisionStrategy.CancelNew && d.ConcurrencyLimit != null))
            .Select(d => new { d.Id, d.FlowName, d.Name, d.LateSkipAfterSeconds, d.LateMaxScheduled, d.CollisionStrategy, d.ConcurrencyLimit })
            .ToListAsync(ct);
        var settled = 0;
        foreach (var deployment in deployments)
        {
            // Due runs only: runs the scheduler made ahead of time are not waiting yet.
            var due = await db.FlowRuns.AsNoTracking()
                .Where(r => r.DeploymentId == deployment.Id && r.State == FlowRunState.Scheduled && r.ExpectedStartAt <= now)
                .OrderBy(r => r.ExpectedStartAt).ThenBy(r => r.CreatedAt)
                .Select(r => new { r.Id, r.ExpectedStartAt, r.ScheduleKey })
                .ToListAsync(ct);
            var left = due.Select(r => r.Id).ToHashSet();
            if (deployment.LateSkipAfterSeconds is { } skipAfter)
            {
                foreach (var run in due.Where(r => LatePolicyDto.IsTooLate(r.ExpectedStartAt, skipAfter, now)))
                {
                    var late = now - run.ExpectedStartAt;
                    settled += await SettleAsync(run.Id, FlowRunState.Skipped,
                        $"Skipped: not started {Durations.Format(late)} after its expected start ({Durations.Time(run.ExpectedStartAt)}); "
                        + $"the deployment's late policy skips runs more than {Durations.Format(TimeSpan.FromSeconds(skipAfter))} late.", ct);
                    left.Remove(run.Id);
                }
            }

            if (deployment.LateMaxScheduled is { } max)
            {
                var waiting = due.Where(r => left.Contains(r.Id)).ToList();
                foreach (var run in waiting.Take(Math.Max(0, waiting.Count - max)))
                {
                    settled += await SettleAsync(run.Id, FlowRunState.Skipped,
                        $"Skipped: {waiting.Count} runs of the deployment were waiting past their start and its late policy keeps at most {max} "
                        + $"(the newest); this one was due {Durations.Relative(run.ExpectedStartAt, now)}.", ct);
                    left.Remove(run.Id);
                }
            }

            if (deployment is { CollisionStrategy: CollisionStrategy.CancelNew, ConcurrencyLimit: { } limit })
            {
                settled += await CancelScheduledOverLimitAsync(deployment.Id, $"{deployment.FlowName}/{deployment.Name}", limit,
                    [.. due.Where(r => left.Contains(r.Id) && r.ScheduleKey != null).Select(r => r.Id)], now, ct);
            }
        }

        return settled;
    }

    /// <summary>
    /// Runs made through the API are judged at creation (DeploymentService.CreateRunAsync); the
    /// scheduler's are judged here once due: the deployment's slot holders and other due runs count,
    /// the newest scheduled runs beyond the limit end Cancelled.
    /// </summary>
    private async Task<int> CancelScheduledOverLimitAsync(Guid deploymentId, string name, int limit, List<Guid> scheduled, DateTime now, CancellationToken ct)
    {
        if (scheduled.Count == 0)
        {
            return 0;
        }

        var heldAfter = FlowRunSlots.HeldAfter(now, rules.Options.InfrastructureHoldSeconds);
        var alive = await db.FlowRuns.AsNoTracking().CountAsync(r => r.DeploymentId == deploymentId
            && (FlowRunStates.Active.Contains(r.State) || r.InfrastructureHeldSince > heldAfter
                || (r.State == FlowRunState.AwaitingRetry) || (r.State == FlowRunState.Scheduled && r.ExpectedStartAt <= now)), ct);
        var cancelled = 0;
        foreach (var id in Enumerable.Reverse(scheduled).Take(Math.Max(0, alive - limit)))
        {
            cancelled += await SettleAsync(id, FlowRunState.Cancelled,
                $"Cancelled when due: deployment {name} already had {alive - cancelled - 1} other unfinished run(s), its concurrency limit is {limit} "
                + "and its collision strategy is CancelNew.", ct);
        }

        return cancelled;
    }

    private async Task<int> SettleAsync(Guid id, FlowRunState state, string message, CancellationToken ct)
    {
        try
        {
            await runs.ApplyToLatestAsync(id, latest => latest.State != FlowRunState.Scheduled
                ? throw new ConflictException("The run moved on meanwhile.")
                : new StateReport(state, message), ct);
            LogSettled(logger, id, state, message);
            return 1;
        }
        catch (ConflictException)
        {
            return 0; // claimed, cancelled or settled by another replica meanwhile
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} -> {State}: {Message}")]
    private static partial void LogSettled(ILogger logger, Guid runId, FlowRunState state, string message);
}

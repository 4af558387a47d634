using System.Globalization;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.Polling;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Diagnostics;

/// <summary>
/// A waiting run's place in line and expected start (docs/architecture.md, "Start estimates"): the
/// pool's slot holders and waiting runs, each deployment's usual runtime (<see cref="RunDurations"/>),
/// replayed through the claim's rules (<see cref="StartForecast"/>). None while something only a
/// person or a worker can change blocks the run: a pause, no worker, unhealthy workers.
/// </summary>
public sealed class StartEstimator(ConsoleDbContext db, StatusRules rules)
{
    /// <summary>The replay reads at most this many waiting runs of the pool (oldest due first).</summary>
    public const int MaxWaiting = 5000;

    /// <summary>At most this many deployments' histories are read; the others' runs take the default runtime.</summary>
    private const int MaxDeployments = 50;

    /// <summary>The codes that stop a run until someone acts: no estimate while one holds.</summary>
    private static readonly string[] Unknowable =
        [DiagnosisCodes.PoolPaused, DiagnosisCodes.QueuePaused, DiagnosisCodes.NoWorker, DiagnosisCodes.WorkerUnhealthy];

    public sealed record Estimate(int? Position, DateTime? StartAt, string Reason);

    internal async Task<Estimate> EstimateAsync(FlowRun run, WaitScene scene, IReadOnlyList<DiagnosisReason> reasons, DateTime now, CancellationToken ct)
    {
        var hold = rules.Options.InfrastructureHoldSeconds;
        var heldAfter = FlowRunSlots.HeldAfter(now, hold);
        var scheduled = await db.FlowRuns.AsNoTracking()
            .Where(r => r.PoolId == run.PoolId && r.State == FlowRunState.Scheduled)
            .OrderBy(r => r.ExpectedStartAt).ThenBy(r => r.CreatedAt)
            .Take(MaxWaiting)
            .Select(r => new Row(r.Id, r.QueueId, r.DeploymentId, r.ExpectedStartAt, null))
            .ToListAsync(ct);
        var retries = await db.FlowRuns.AsNoTracking()
            .Where(r => r.PoolId == run.PoolId && r.State == FlowRunState.AwaitingRetry)
            .OrderBy(r => r.NextAttemptAt)
            .Take(MaxWaiting)
            .Select(r => new Row(r.Id, r.QueueId, r.DeploymentId, r.NextAttemptAt ?? r.ExpectedStartAt, r.InfrastructureHeldSince))
            .ToListAsync(ct);
        var deploymentIds = scene.Holders.Select(h => h.DeploymentId).Concat(scheduled.Select(r => r.DeploymentId)).Concat(retries.Select(r => r.DeploymentId))
            .OfType<Guid>().Prepend(run.DeploymentId ?? Guid.Empty).Where(id => id != Guid.Empty).Distinct().Take(MaxDeployments);
        var usual = await RunDurations.OfAsync(db, deploymentIds, ct);
        RunDurations.Usual Of(Guid? deployment) => deployment is { } d && usual.TryGetValue(d, out var u) ? u : RunDurations.Usual.Default;

        var waiting = new List<StartForecast.Waiting>();
        foreach (var r in scheduled.Concat(retries))
        {
            // A retry whose last attempt's infrastructure may still run waits for the hold bound (ClaimPolicy.RetryHeld).
            var due = r.HeldSince is { } held && held > heldAfter
                ? (hold > 0 ? held.AddSeconds(hold) : DateTime.MaxValue)
                : r.DueAt;
            if (due != DateTime.MaxValue)
            {
                var u = Of(r.DeploymentId);
                waiting.Add(new StartForecast.Waiting(r.Id, r.QueueId, r.DeploymentId, due, u.Hold, u.Startup));
            }
        }

        var holders = scene.Holders.Select(h => new StartForecast.Holder(h.QueueId, h.DeploymentId, HolderEnd(h, hold, now, Of)));
        // The run's own queue is replayed even when nothing would claim from it now: its place in line is known.
        var lanes = scene.Queues
            .Select(q => new StartForecast.Lane(q, q.Id == run.QueueId || (!q.IsPaused && scene.Served(q))))
            .ToList();
        var outcomes = StartForecast.Run(scene.Pool.ConcurrencyLimit, lanes, scene.DeploymentLimits, holders, waiting, now, run.Id);
        int? position = outcomes.TryGetValue(run.Id, out var outcome) ? outcome.Position : null;

        if (reasons.FirstOrDefault(r => Unknowable.Contains(r.Code)) is { } blocker)
        {
            return new Estimate(position, null, "Unknown until this changes: " + blocker.Message);
        }

        if (outcome is null)
        {
            return new Estimate(null, null, waiting.All(w => w.Id != run.Id)
                ? "Unknown: its last attempt's infrastructure may still run and holds never lapse on this server."
                : $"Unknown: more than {StartForecast.MaxEvents} claims and ends lie before it (or more than {MaxWaiting} runs wait in the pool).");
        }

        var own = Of(run.DeploymentId);
        var text = outcome.Position == 1 ? "Next in line" : string.Create(CultureInfo.InvariantCulture, $"{outcome.Position - 1} run(s) ahead of it in the claim's order");
        text += string.Create(CultureInfo.InvariantCulture, $"; {scene.Holders.Count} slot(s) in use");
        text += scene.Pool.ConcurrencyLimit is { } limit ? string.Create(CultureInfo.InvariantCulture, $" (pool limit {limit})") : "";
        text += "; slots free as their runs end after their deployment's usual time from claim to end ";
        text += own.Count > 0
            ? string.Create(CultureInfo.InvariantCulture, $"(this deployment: {Durations.Format(own.Hold)}, median of its last {own.Count} completed runs)")
            : $"(this deployment has no completed run yet: {Durations.Format(RunDurations.DefaultHold)} assumed)";
        return new Estimate(outcome.Position, outcome.StartAt, text + ".");
    }

    /// <summary>A held run's slot lapses at the hold bound; an active one's after its deployment's usual time from claim to end.</summary>
    private static DateTime HolderEnd(SlotHolder holder, int hold, DateTime now, Func<Guid?, RunDurations.Usual> usual) =>
        holder.InfrastructureHeldSince is { } held
            ? (hold > 0 ? held.AddSeconds(hold) : DateTime.MaxValue)
            : (holder.ClaimedAt ?? now) + usual(holder.DeploymentId).Hold;

    private sealed record Row(Guid Id, Guid QueueId, Guid? DeploymentId, DateTime DueAt, DateTime? HeldSince);
}

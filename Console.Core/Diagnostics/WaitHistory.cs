using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Diagnostics;

/// <summary>
/// What each run waited for (docs/architecture.md, "Wait history"). A pass (the foreman's, every
/// few seconds) reads each pool that has due waiting runs once, words every such run's blocking
/// reasons as the diagnosis does, and writes only where the reasons' codes changed: the open
/// interval is closed and a new one opened. An interval is closed at the run's claim (by the next
/// pass; reads close it at once).
/// </summary>
public sealed class WaitHistory(ConsoleDbContext db, DiagnosisService diagnoses, StatusRules rules)
{
    /// <summary>At most this many waiting runs per pool are looked at in one pass (oldest due first).</summary>
    public const int MaxRunsPerPool = 500;

    /// <summary>Records the reasons that changed since the last pass; returns how many intervals it opened.</summary>
    public async Task<int> RecordAsync(CancellationToken ct = default)
    {
        var now = rules.Now;
        await CloseClaimedAsync(ct);
        var pools = await db.FlowRuns.AsNoTracking()
            .Where(r => (r.State == FlowRunState.Scheduled && r.ExpectedStartAt <= now) || (r.State == FlowRunState.AwaitingRetry && r.NextAttemptAt <= now))
            .Select(r => r.PoolId).Distinct().ToListAsync(ct);
        var opened = 0;
        foreach (var poolId in pools)
        {
            opened += await RecordPoolAsync(poolId, now, ct);
        }

        await db.SaveChangesAsync(ct);
        return opened;
    }

    /// <summary>The run's waiting intervals, oldest first.</summary>
    public async Task<IReadOnlyList<FlowRunWaitDto>> ListAsync(Guid runId, CancellationToken ct = default)
    {
        var run = await db.FlowRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct)
            ?? throw new NotFoundException($"Flow run '{runId}' does not exist.");
        var waits = await db.FlowRunWaits.AsNoTracking().Where(w => w.FlowRunId == runId).OrderBy(w => w.Id).ToListAsync(ct);
        return [.. waits.Select(w => new FlowRunWaitDto
        {
            From = w.From,
            // Claimed since the last pass: the interval ended with the claim.
            To = w.To ?? (Waiting(run) && w.Attempt == run.Attempt ? null : EndOf(run, w)),
            Reasons = ConsoleJson.Deserialize<List<string>>(w.Reasons) ?? [],
            Codes = ConsoleJson.Deserialize<List<string>>(w.Codes) ?? [],
            Attempt = w.Attempt,
        })];
    }

    private async Task<int> RecordPoolAsync(Guid poolId, DateTime now, CancellationToken ct)
    {
        var runs = await db.FlowRuns.AsNoTracking()
            .Where(r => r.PoolId == poolId && ((r.State == FlowRunState.Scheduled && r.ExpectedStartAt <= now) || (r.State == FlowRunState.AwaitingRetry && r.NextAttemptAt <= now)))
            .OrderBy(r => r.ExpectedStartAt)
            .Take(MaxRunsPerPool)
            .ToListAsync(ct);
        var ids = runs.Select(r => r.Id).ToList();
        var open = (await db.FlowRunWaits.Where(w => w.To == null && ids.Contains(w.FlowRunId)).ToListAsync(ct))
            .GroupBy(w => w.FlowRunId).ToDictionary(g => g.Key, g => g.OrderBy(w => w.Id).ToList());
        var known = (await db.FlowRunWaits.AsNoTracking().Where(w => ids.Contains(w.FlowRunId))
            .Select(w => new { w.FlowRunId, w.Attempt }).Distinct().ToListAsync(ct)).ToHashSet();
        var opened = 0;
        foreach (var (run, reasons) in await diagnoses.WaitingReasonsAsync(poolId, runs, ct))
        {
            var blocking = reasons.Where(r => r.Blocking).ToList();
            var codes = ConsoleJson.Serialize(blocking.Select(r => r.Code).ToList());
            var current = open.GetValueOrDefault(run.Id) ?? [];
            if (current.Count == 1 && current[0].Codes == codes && current[0].Attempt == run.Attempt)
            {
                continue;
            }

            foreach (var stale in current)
            {
                stale.To = now;
            }

            if (blocking.Count > 0)
            {
                // The first interval of an attempt starts when the run fell due: the reasons seen now held since (at the pass's resolution).
                var dueAt = run.State == FlowRunState.AwaitingRetry && run.NextAttemptAt is { } next ? next : run.ExpectedStartAt;
                db.FlowRunWaits.Add(new FlowRunWait
                {
                    FlowRunId = run.Id,
                    Attempt = run.Attempt,
                    From = current.Count == 0 && !known.Contains(new { FlowRunId = run.Id, run.Attempt }) && dueAt < now ? dueAt : now,
                    Codes = codes,
                    Reasons = ConsoleJson.Serialize(blocking.Select(r => r.Message).ToList()),
                });
                opened++;
            }
        }

        return opened;
    }

    /// <summary>Open intervals of runs no longer waiting (claimed, cancelled ...) end with the claim, else the last change.</summary>
    private async Task CloseClaimedAsync(CancellationToken ct)
    {
        var stale = await db.FlowRunWaits.Where(w => w.To == null)
            .Join(db.FlowRuns, w => w.FlowRunId, r => r.Id, (w, r) => new { Wait = w, Run = r })
            .Where(x => (x.Run.State != FlowRunState.Scheduled && x.Run.State != FlowRunState.AwaitingRetry) || x.Run.Attempt != x.Wait.Attempt)
            .Select(x => new { x.Wait, x.Run.ClaimedAt, x.Run.UpdatedAt, x.Run.Attempt })
            .ToListAsync(ct);
        foreach (var x in stale)
        {
            x.Wait.To = x.ClaimedAt is { } claimed && claimed >= x.Wait.From ? claimed : x.UpdatedAt;
        }
    }

    private static bool Waiting(FlowRun run) => run.State is FlowRunState.Scheduled or FlowRunState.AwaitingRetry;

    private static DateTime EndOf(FlowRun run, FlowRunWait wait) =>
        run.ClaimedAt is { } claimed && claimed >= wait.From ? claimed : run.UpdatedAt;
}

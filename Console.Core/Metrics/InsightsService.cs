using Console.Contracts.FlowRuns;
using Console.Contracts.Metrics;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Metrics;

/// <summary>
/// The numbers behind the insights charts, per pool or deployment: runs created and runs ended in each final state,
/// the backlog and its oldest wait, and dispatch latency (created -> claimed, from the state timeline).
/// </summary>
public sealed class InsightsService(ConsoleDbContext db, StatusRules rules)
{
    public async Task<InsightsDto> GetAsync(InsightsQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = rules.Now;
        var (bucket, count) = query.Range switch
        {
            InsightsRange.Week => (TimeSpan.FromHours(6), 28),
            InsightsRange.Day => (TimeSpan.FromHours(1), 24),
            _ => (TimeSpan.FromMinutes(5), 12),
        };
        var start = now - (bucket * count);
        var runs = Filter(query);

        var pendings = await (
            from c in db.FlowRunStateChanges.AsNoTracking()
            where c.Timestamp >= start && c.State == FlowRunState.Pending
            join r in runs on c.FlowRunId equals r.Id
            select new { c.FlowRunId, c.Timestamp, r.CreatedAt }).ToListAsync(ct);

        int Index(DateTime t) => Math.Clamp((int)((t - start) / bucket), 0, count - 1);

        // Runs, not state entries: each run counts once where it was created, and once where it
        // ended, under the state it ended in (a run that passed Scheduled, Pending and Completed is
        // one Completed run, never three bars).
        var created = new int[count];
        foreach (var at in await runs.Where(r => r.CreatedAt >= start && r.CreatedAt <= now).Select(r => r.CreatedAt).ToListAsync(ct))
        {
            created[Index(at)]++;
        }

        var ended = await runs.Where(r => r.EndedAt >= start && r.EndedAt <= now && FlowRunStates.Terminal.Contains(r.State))
            .Select(r => new { r.State, EndedAt = r.EndedAt!.Value }).ToListAsync(ct);
        var byState = new SortedDictionary<FlowRunState, int[]>();
        foreach (var run in ended)
        {
            if (!byState.TryGetValue(run.State, out var series))
            {
                byState[run.State] = series = new int[count];
            }

            series[Index(run.EndedAt)]++;
        }

        // One claim per run: its first Pending in the range.
        var claims = pendings
            .GroupBy(c => c.FlowRunId)
            .Select(g => g.OrderBy(c => c.Timestamp).First())
            .Select(c => (At: c.Timestamp, Seconds: Math.Max(0, (c.Timestamp - c.CreatedAt).TotalSeconds)))
            .ToList();
        var perBucket = claims.GroupBy(c => Index(c.At)).ToDictionary(g => g.Key, g => g.Select(c => c.Seconds).Order().ToArray());
        double?[] Series(double p) => [.. Enumerable.Range(0, count).Select(i => perBucket.TryGetValue(i, out var v) ? Percentile(v, p) : null)];
        var all = claims.Select(c => c.Seconds).Order().ToArray();

        // Runs that were waiting at some point of the range (UpdatedAt is never before leaving Scheduled).
        var waiting = await runs
            .Where(r => r.CreatedAt <= now && (r.State == FlowRunState.Scheduled || r.UpdatedAt >= start))
            .Select(r => new { r.CreatedAt, r.ExpectedStartAt, r.State, r.ClaimedAt, r.EndedAt, r.UpdatedAt })
            .ToListAsync(ct);
        var spans = waiting.Select(r => (
            Since: r.CreatedAt > r.ExpectedStartAt ? r.CreatedAt : r.ExpectedStartAt,
            Due: r.ExpectedStartAt,
            Left: r.State == FlowRunState.Scheduled ? (DateTime?)null : r.ClaimedAt ?? r.EndedAt ?? r.UpdatedAt)).ToList();
        var lateAfter = TimeSpan.FromSeconds(rules.Options.LateAfterSeconds);
        var waitingSeries = new int[count];
        var lateSeries = new int[count];
        var oldestSeries = new double[count];
        for (var i = 0; i < count; i++)
        {
            var t = i == count - 1 ? now : start + (bucket * (i + 1));
            var at = spans.Where(s => s.Since <= t && (s.Left is null || s.Left > t)).ToList();
            waitingSeries[i] = at.Count;
            lateSeries[i] = at.Count(s => s.Due < t - lateAfter);
            oldestSeries[i] = at.Count == 0 ? 0 : Math.Round((t - at.Min(s => s.Due)).TotalSeconds, 1);
        }

        var scheduled = waiting.Where(r => r.State == FlowRunState.Scheduled).ToList();
        var due = scheduled.Where(r => r.ExpectedStartAt <= now).Select(r => (DateTime?)r.ExpectedStartAt).Min();
        return new InsightsDto
        {
            From = start,
            To = now,
            BucketSeconds = (int)bucket.TotalSeconds,
            Buckets = [.. Enumerable.Range(0, count).Select(i => start + (bucket * i))],
            RunsCreated = created,
            RunsByState = byState.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            Waiting = waitingSeries,
            Late = lateSeries,
            OldestWaitSeconds = oldestSeries,
            LatencyP50 = Series(0.50),
            LatencyP90 = Series(0.90),
            LatencyP99 = Series(0.99),
            Latency = new LatencySummary(all.Length, Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99), all.Length > 0 ? all[^1] : null),
            Backlog = new BacklogNow(
                scheduled.Count,
                scheduled.Count(r => r.ExpectedStartAt < rules.LateCutoff),
                due is { } d ? Math.Round((now - d).TotalSeconds, 1) : 0,
                due),
        };
    }

    /// <summary>
    /// CPU-hours and peak memory per deployment of the runs that ended in the last day (or week, or
    /// hour) and whose worker measured their usage (docs/api.md, "FlowRun.usage").
    /// </summary>
    public async Task<UsageInsightsDto> UsageAsync(InsightsQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = rules.Now;
        var start = now - query.Range switch
        {
            InsightsRange.Week => TimeSpan.FromDays(7),
            InsightsRange.Day => TimeSpan.FromDays(1),
            _ => TimeSpan.FromHours(1),
        };
        var measured = await Filter(query)
            .Where(r => r.EndedAt >= start && r.EndedAt <= now && (r.CpuSeconds != null || r.PeakMemoryBytes != null))
            .Select(r => new { r.DeploymentId, r.FlowName, r.DeploymentName, r.CpuSeconds, r.PeakMemoryBytes })
            .ToListAsync(ct);
        return new UsageInsightsDto
        {
            From = start,
            To = now,
            Deployments = [.. measured
                .GroupBy(r => (r.DeploymentId, r.FlowName, r.DeploymentName))
                .Select(g => new DeploymentUsage(g.Key.DeploymentId, g.Key.FlowName, g.Key.DeploymentName, g.Count(),
                    g.Sum(r => r.CpuSeconds ?? 0) / 3600, g.Max(r => r.PeakMemoryBytes)))
                .OrderByDescending(d => d.CpuHours).ThenBy(d => d.FlowName, StringComparer.Ordinal).ThenBy(d => d.DeploymentName, StringComparer.Ordinal)],
        };
    }

    /// <summary>Every pool with its backlog and active runs right now, for the overview.</summary>
    public async Task<IReadOnlyList<InsightsPool>> PoolsAsync(CancellationToken ct = default)
    {
        var now = rules.Now;
        var lateCutoff = rules.LateCutoff;
        var pools = await db.WorkPools.AsNoTracking().OrderBy(p => p.Name).Select(p => new { p.Id, p.Name, p.IsPaused }).ToListAsync(ct);
        // A run waiting for its next attempt counts as scheduled (never late: its wait is its retry delay).
        var scheduled = (await db.FlowRuns.AsNoTracking().Where(r => FlowRunStates.Claimable.Contains(r.State))
            .Select(r => new { r.PoolId, r.State, r.ExpectedStartAt, r.NextAttemptAt }).ToListAsync(ct))
            .Select(r => new { r.PoolId, ExpectedStartAt = r.State == FlowRunState.AwaitingRetry ? r.NextAttemptAt ?? r.ExpectedStartAt : r.ExpectedStartAt, Late = r.State == FlowRunState.Scheduled && r.ExpectedStartAt < lateCutoff })
            .ToList();
        var active = await db.FlowRuns.AsNoTracking().Where(r => FlowRunStates.Active.Contains(r.State))
            .GroupBy(r => r.PoolId).Select(g => new { PoolId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.PoolId, g => g.Count, ct);
        return [.. pools.Select(p =>
        {
            var mine = scheduled.Where(r => r.PoolId == p.Id).ToList();
            var due = mine.Where(r => r.ExpectedStartAt <= now).Select(r => (DateTime?)r.ExpectedStartAt).Min();
            return new InsightsPool(p.Name, p.IsPaused, mine.Count, mine.Count(r => r.Late),
                active.GetValueOrDefault(p.Id), due is { } d ? Math.Round((now - d).TotalSeconds, 1) : 0);
        })];
    }

    public async Task<IReadOnlyList<InsightsDeployment>> DeploymentsAsync(string? pool, CancellationToken ct = default)
    {
        var deployments = db.Deployments.AsNoTracking();
        if (pool is not null)
        {
            deployments = deployments.Where(d => d.Pool.Name == pool);
        }

        return await deployments.OrderBy(d => d.FlowName).ThenBy(d => d.Name)
            .Select(d => new InsightsDeployment(d.Id, d.FlowName, d.Name)).ToListAsync(ct);
    }

    /// <summary>Nearest-rank percentile of sorted values, rounded to the millisecond.</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(p * sorted.Count);
        return Math.Round(sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)], 3);
    }

    private IQueryable<FlowRun> Filter(InsightsQuery query)
    {
        var runs = db.FlowRuns.AsNoTracking();
        if (query.Pool is not null)
        {
            runs = runs.Where(r => r.WorkPoolName == query.Pool);
        }

        if (query.Deployment is { } deployment)
        {
            runs = runs.Where(r => r.DeploymentId == deployment);
        }

        return runs;
    }
}

using System.Diagnostics.Metrics;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Core.Metrics;

/// <summary>
/// The database-derived gauges, read together and kept for <see cref="CacheFor"/>: observable
/// callbacks are synchronous and run once per instrument per scrape.
/// </summary>
internal sealed class MetricsSnapshotSource(IServiceScopeFactory scopes, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private MetricsSnapshot? _snapshot;
    private DateTimeOffset _takenAt;

    public MetricsSnapshot Current()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_snapshot is null || now - _takenAt >= CacheFor || now < _takenAt)
            {
                _snapshot = Take();
                _takenAt = now;
            }

            return _snapshot;
        }
    }

    private MetricsSnapshot Take()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var rules = scope.ServiceProvider.GetRequiredService<StatusRules>();
        var now = rules.Now;
        var lateCutoff = rules.LateCutoff;

        // Waiting runs are few; everything else is counted by the database.
        var scheduled = db.FlowRuns.AsNoTracking()
            .Where(r => r.State == FlowRunState.Scheduled)
            .Select(r => new { r.WorkPoolName, r.WorkQueueName, r.ExpectedStartAt })
            .ToList();
        // Runs waiting for their next attempt are backlog too (never late), due at their next attempt.
        var retrying = db.FlowRuns.AsNoTracking()
            .Where(r => r.State == FlowRunState.AwaitingRetry)
            .Select(r => new { r.WorkPoolName, r.WorkQueueName, ExpectedStartAt = r.NextAttemptAt ?? r.ExpectedStartAt })
            .ToList();
        var others = db.FlowRuns.AsNoTracking()
            .Where(r => r.State != FlowRunState.Scheduled)
            .GroupBy(r => new { r.WorkPoolName, r.State })
            .Select(g => new { g.Key.WorkPoolName, g.Key.State, Count = g.Count() })
            .ToList();
        var runs = others.Select(g => (g.WorkPoolName, g.State, g.Count))
            .Concat(scheduled.GroupBy(r => (r.WorkPoolName, State: r.ExpectedStartAt < lateCutoff ? FlowRunState.Late : FlowRunState.Scheduled))
                .Select(g => (g.Key.WorkPoolName, g.Key.State, Count: g.Count())))
            .Select(g => new Measurement<long>(g.Count, Tag("state", g.State.ToString()), Tag("pool", g.WorkPoolName)))
            .ToList();

        var queues = db.WorkQueues.AsNoTracking().Select(q => new { Pool = q.Pool.Name, q.Name }).ToList();
        var backlog = new List<Measurement<long>>();
        var oldest = new List<Measurement<double>>();
        foreach (var queue in queues)
        {
            var waiting = scheduled.Where(r => r.WorkPoolName == queue.Pool && r.WorkQueueName == queue.Name).ToList();
            var late = waiting.Count(r => r.ExpectedStartAt < lateCutoff);
            waiting.AddRange(retrying.Where(r => r.WorkPoolName == queue.Pool && r.WorkQueueName == queue.Name));
            backlog.Add(new(waiting.Count - late, Tag("pool", queue.Pool), Tag("queue", queue.Name), Tag("state", "scheduled")));
            backlog.Add(new(late, Tag("pool", queue.Pool), Tag("queue", queue.Name), Tag("state", "late")));
            var due = waiting.Where(r => r.ExpectedStartAt <= now).Select(r => (DateTime?)r.ExpectedStartAt).Min();
            oldest.Add(new(due is { } d ? (now - d).TotalSeconds : 0, Tag("pool", queue.Pool), Tag("queue", queue.Name)));
        }

        var workers = db.Workers.AsNoTracking()
            .Select(w => new { w.Id, Pool = w.Pool.Name, w.LastHeartbeatAt, w.HeartbeatIntervalSeconds, w.DrainingSince }).ToList();
        var poolNames = db.WorkPools.AsNoTracking().Select(p => p.Name).ToList();
        List<Measurement<long>> Counting(WorkerStatus status) => [.. poolNames.Select(pool => new Measurement<long>(
            workers.Count(w => w.Pool == pool && rules.Worker(w.Id, w.LastHeartbeatAt, w.HeartbeatIntervalSeconds, w.DrainingSince) == status),
            Tag("pool", pool)))];
        return new MetricsSnapshot(runs, backlog, oldest, Counting(WorkerStatus.Online)) { WorkersDraining = Counting(WorkerStatus.Draining) };
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}

internal sealed record MetricsSnapshot(
    IReadOnlyList<Measurement<long>> Runs,
    IReadOnlyList<Measurement<long>> Backlog,
    IReadOnlyList<Measurement<double>> OldestWait,
    IReadOnlyList<Measurement<long>> WorkersOnline)
{
    public IReadOnlyList<Measurement<long>> WorkersDraining { get; init; } = [];
}

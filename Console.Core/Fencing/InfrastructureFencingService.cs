using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Feed;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Fencing;

/// <summary>
/// Fencing of infrastructure that outlived its run's lease (docs/reliability.md, "Fencing"): a
/// worker of the pool lists the containers or Swarm services it sees with the pool's labels, this
/// service says which of them no run owns any more, the worker stops and removes those and reports
/// them released, and only then does a run that the lease reaper ended give up its slot.
/// </summary>
public sealed class InfrastructureFencingService(ConsoleDbContext db, FlowRunService runs, IChangeFeed feed, StatusRules rules)
{
    public const int MaxInfrastructureIdLength = 256;

    /// <summary>A run that ended normally may still be finishing its last read of the container's output.</summary>
    private static readonly TimeSpan EndedGrace = TimeSpan.FromSeconds(30);

    public async Task<ReconcileAnswer> ReconcileAsync(string poolName, ReconcileRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var worker = Names.Require(request.WorkerName, "workerName");
        var found = Validate(request.Infrastructure, "infrastructure", i => (i.FlowRunId, i.InfrastructureId, i.WorkerName));
        var pool = await PoolIdAsync(poolName, ct);
        var ids = found.Select(f => f.FlowRunId).Distinct().ToList();
        var known = await db.FlowRuns.AsNoTracking().Where(r => ids.Contains(r.Id))
            .Select(r => new RunView(r.Id, r.PoolId, r.State, r.WorkerName, r.InfrastructureId, r.EndedAt, r.InfrastructureHeldSince))
            .ToDictionaryAsync(r => r.Id, ct);
        // A container of an unknown run is removed only when a worker of this pool made it: another
        // console sharing the engine (and a pool name) keeps its own.
        var workers = (await db.Workers.AsNoTracking().Where(w => w.PoolId == pool).Select(w => w.Name).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var now = rules.Now;
        var remove = new List<InfrastructureToRemove>();
        foreach (var item in found)
        {
            var reason = known.TryGetValue(item.FlowRunId, out var run)
                ? (run.PoolId == pool ? WhyRemove(run, item, now) : null) // another pool's run: not this pool's to judge
                : item.WorkerName is { } maker && workers.Contains(maker) ? "its run no longer exists" : null;
            if (reason is not null)
            {
                remove.Add(new InfrastructureToRemove(item.FlowRunId, item.InfrastructureId!, reason));
            }
        }

        // The run's own worker sees the engine it ran on: what it does not find there is gone.
        var seen = ids.ToHashSet();
        var gone = await db.FlowRuns.AsNoTracking()
            .Where(r => r.PoolId == pool && r.InfrastructureHeldSince != null && r.WorkerName == worker)
            .Select(r => r.Id).ToListAsync(ct);
        gone.RemoveAll(seen.Contains);
        var released = await ReleaseCoreAsync(pool, gone, worker, id => $"Worker {worker} found none of the run's infrastructure left on its engine: the run's slot is free.", ct);
        return new ReconcileAnswer { Remove = remove, Released = released };
    }

    public async Task<ReleasedAnswer> ReleaseAsync(string poolName, ReleasedRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var worker = Names.Require(request.WorkerName, "workerName");
        var items = Validate(request.Infrastructure, "infrastructure", i => (i.FlowRunId, i.InfrastructureId, worker));
        var pool = await PoolIdAsync(poolName, ct);
        var what = items.GroupBy(i => i.FlowRunId).ToDictionary(g => g.Key, g => g.First().InfrastructureId);
        var released = await ReleaseCoreAsync(pool, [.. what.Keys], worker,
            id => $"Worker {worker} stopped and removed the run's infrastructure {Short(what[id])} after the run had ended without its worker: the run's slot is free.", ct);
        return new ReleasedAnswer(released.Count);
    }

    private static string? WhyRemove(RunView run, FoundInfrastructure item, DateTime now) => run.State switch
    {
        FlowRunState.Scheduled => "its run went back to the queue after its worker was lost",
        // The attempt it ran has ended; the next attempt must never run beside it.
        FlowRunState.AwaitingRetry when run.InfrastructureHeldSince is not null || item.IsRunning =>
            "its run's attempt has ended and the run waits for its next attempt",
        FlowRunState.AwaitingRetry => null,
        var s when s.IsActive() && run.WorkerName != item.WorkerName => $"its run now belongs to worker {run.WorkerName}",
        var s when s.IsActive() && run.InfrastructureId is { } own && own != item.InfrastructureId => $"its run runs on {Short(own)}",
        var s when s.IsActive() => null,
        _ when run.InfrastructureHeldSince is not null => $"its run was ended {run.State} by the server (the lease reaper or the timeout backstop) after its worker was lost or did not stop it",
        _ when item.IsRunning && run.EndedAt < now - EndedGrace => $"its run has ended ({run.State}) but it still runs",
        _ => null,
    };

    private async Task<List<Guid>> ReleaseCoreAsync(Guid pool, List<Guid> ids, string worker, Func<Guid, string> message, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var held = await db.FlowRuns.Where(r => r.PoolId == pool && ids.Contains(r.Id) && r.InfrastructureHeldSince != null).ToListAsync(ct);
        if (held.Count == 0)
        {
            return [];
        }

        var now = rules.Now;
        foreach (var run in held)
        {
            run.InfrastructureHeldSince = null;
            run.InfrastructureReleasedAt = now;
        }

        await db.SaveChangesAsync(ct);
        foreach (var run in held)
        {
            // The change wakes the pool's long-polls: a slot is free.
            feed.Publish(new FlowRunChanged(runs.ToDto(run)));
            await runs.AddLogsAsync(run.Id, [new NewLogLine { Stream = "worker", Level = "warning", Message = message(run.Id) }], ct);
        }

        return [.. held.Select(r => r.Id)];
    }

    private async Task<Guid> PoolIdAsync(string poolName, CancellationToken ct) =>
        await db.WorkPools.AsNoTracking().Where(p => p.Name == poolName).Select(p => (Guid?)p.Id).FirstOrDefaultAsync(ct)
        ?? throw new NotFoundException($"Work pool '{poolName}' does not exist.");

    private static List<T> Validate<T>(IReadOnlyList<T>? items, string field, Func<T, (Guid Run, string? Id, string? Worker)> parts)
    {
        if (items is null)
        {
            throw new InvalidRequestException(field, "Send the list of infrastructure (it may be empty).");
        }

        if (items.Count > ReconcileRequest.MaxItems)
        {
            throw new InvalidRequestException(field, $"At most {ReconcileRequest.MaxItems} items per request.");
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item)
            {
                throw new InvalidRequestException($"{field}[{i}]", "An item cannot be null.");
            }

            var (run, id, worker) = parts(item);
            if (run == Guid.Empty)
            {
                throw new InvalidRequestException($"{field}[{i}].flowRunId", "The run's id is required.");
            }

            if (string.IsNullOrWhiteSpace(id) || id.Length > MaxInfrastructureIdLength)
            {
                throw new InvalidRequestException($"{field}[{i}].infrastructureId", $"The infrastructure id has 1 to {MaxInfrastructureIdLength} characters.");
            }

            if (worker is not null && !Names.IsValid(worker))
            {
                throw new InvalidRequestException($"{field}[{i}].workerName", "Not a valid worker name.");
            }
        }

        return [.. items];
    }

    private static string Short(string? id) => id is null ? "(unknown)" : id.Length > 12 ? id[..12] : id;

    private sealed record RunView(Guid Id, Guid PoolId, FlowRunState State, string? WorkerName, string? InfrastructureId, DateTime? EndedAt, DateTime? InfrastructureHeldSince);
}

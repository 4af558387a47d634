using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.WorkQueues;

public sealed class WorkQueueService(ConsoleDbContext db, IChangeFeed feed, StatusRules rules, WorkPoolService pools)
{
    public async Task<IReadOnlyList<WorkQueueDto>> ListAsync(string? poolName, CancellationToken ct = default)
    {
        var query = db.WorkQueues.AsNoTracking().Include(q => q.Pool).AsQueryable();
        if (poolName is not null)
        {
            var pool = await pools.FindAsync(poolName, ct);
            query = query.Where(q => q.PoolId == pool.Id);
        }

        var queues = await query.ToListAsync(ct);
        return await ToDtosAsync(queues.OrderBy(q => q.Pool.Name).ThenBy(q => q.Priority).ToList(), ct);
    }

    public async Task<WorkQueueDto> GetAsync(string poolName, string name, CancellationToken ct = default)
    {
        var queue = await FindAsync(poolName, name, ct);
        return (await ToDtosAsync([queue], ct))[0];
    }

    public async Task<WorkQueue> FindAsync(string poolName, string name, CancellationToken ct = default)
    {
        var pool = await pools.FindAsync(poolName, ct);
        var queue = await db.WorkQueues.FirstOrDefaultAsync(q => q.PoolId == pool.Id && q.Name == name, ct)
            ?? throw new NotFoundException($"Work queue '{name}' does not exist in pool '{poolName}'.");
        queue.Pool = pool;
        return queue;
    }

    public async Task<WorkQueueDto> CreateAsync(string poolName, CreateWorkQueueRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = Names.Require(request.Name, "name");
        WorkPoolService.ValidateLimit(request.ConcurrencyLimit);
        ValidatePriority(request.Priority);
        var pool = await pools.FindAsync(poolName, ct);
        var siblings = await db.WorkQueues.Where(q => q.PoolId == pool.Id).ToListAsync(ct);
        if (siblings.Any(q => q.Name == name))
        {
            throw new ConflictException($"Work queue '{name}' already exists in pool '{poolName}'.");
        }

        var priority = request.Priority ?? (siblings.Count == 0 ? 1 : siblings.Max(q => q.Priority) + 1);
        var moved = MakeRoom(siblings, priority);
        var now = rules.Now;
        var queue = new WorkQueue
        {
            PoolId = pool.Id,
            Pool = pool,
            Name = name,
            Description = request.Description,
            Priority = priority,
            ConcurrencyLimit = request.ConcurrencyLimit,
            IsPaused = request.IsPaused ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WorkQueues.Add(queue);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new ConflictException($"Work queue '{name}' already exists in pool '{poolName}'.");
        }

        return await PublishAsync(queue, moved, ct);
    }

    public async Task<WorkQueueDto> UpdateAsync(string poolName, string name, UpdateWorkQueueRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var queue = await FindAsync(poolName, name, ct);
        var limit = request.ConcurrencyLimit.GetValueOr(queue.ConcurrencyLimit);
        WorkPoolService.ValidateLimit(limit);
        ValidatePriority(request.Priority);
        var siblings = await db.WorkQueues.Where(q => q.PoolId == queue.PoolId && q.Id != queue.Id).ToListAsync(ct);
        List<WorkQueue> moved = [];
        if (request.Priority is { } priority && priority != queue.Priority)
        {
            moved = MakeRoom(siblings, priority);
            queue.Priority = priority;
        }

        queue.Description = request.Description ?? queue.Description;
        queue.ConcurrencyLimit = limit;
        queue.IsPaused = request.IsPaused ?? queue.IsPaused;
        queue.UpdatedAt = rules.Now;
        await db.SaveChangesAsync(ct);
        return await PublishAsync(queue, moved, ct);
    }

    public async Task<WorkQueueDto> SetPausedAsync(string poolName, string name, bool paused, CancellationToken ct = default) =>
        await UpdateAsync(poolName, name, new UpdateWorkQueueRequest { IsPaused = paused }, ct);

    public async Task DeleteAsync(string poolName, string name, CancellationToken ct = default)
    {
        var queue = await FindAsync(poolName, name, ct);
        if (queue.Name == WorkQueue.DefaultName)
        {
            throw new ConflictException("The default queue of a pool cannot be deleted.");
        }

        if (await db.Deployments.AnyAsync(d => d.QueueId == queue.Id, ct))
        {
            throw new ConflictException($"Deployments still send runs to queue '{name}'; move them first.");
        }

        if (await db.FlowRuns.AnyAsync(r => r.QueueId == queue.Id && (FlowRunStates.Claimable.Contains(r.State) || FlowRunStates.Active.Contains(r.State)), ct))
        {
            throw new ConflictException($"Queue '{name}' still holds scheduled or running runs.");
        }

        db.WorkQueues.Remove(queue);
        await db.SaveChangesAsync(ct);
        feed.Publish(new QueueDeleted(poolName, name));
    }

    /// <summary>Builds queue views with their late and scheduled counts in one grouped query; a run waiting for its next attempt counts as scheduled.</summary>
    public async Task<IReadOnlyList<WorkQueueDto>> ToDtosAsync(IReadOnlyList<WorkQueue> queues, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(queues);
        if (queues.Count == 0)
        {
            return [];
        }

        var ids = queues.Select(q => q.Id).ToList();
        var lateCutoff = rules.LateCutoff;
        var counts = await db.FlowRuns.AsNoTracking()
            .Where(r => ids.Contains(r.QueueId) && FlowRunStates.Claimable.Contains(r.State))
            .GroupBy(r => r.QueueId)
            .Select(g => new { QueueId = g.Key, Scheduled = g.Count(), Late = g.Count(r => r.State == FlowRunState.Scheduled && r.ExpectedStartAt < lateCutoff) })
            .ToDictionaryAsync(c => c.QueueId, ct);
        return [.. queues.Select(q =>
        {
            counts.TryGetValue(q.Id, out var c);
            return ToDto(q, c?.Scheduled ?? 0, c?.Late ?? 0);
        })];
    }

    public WorkQueueDto ToDto(WorkQueue queue, int scheduled, int late)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return new WorkQueueDto
        {
            Id = queue.Id,
            Name = queue.Name,
            PoolName = queue.Pool.Name,
            Description = queue.Description,
            Priority = queue.Priority,
            ConcurrencyLimit = queue.ConcurrencyLimit,
            IsPaused = queue.IsPaused,
            Status = rules.Queue(queue, queue.Pool.IsPaused),
            LastPolledAt = queue.LastPolledAt,
            ScheduledRuns = scheduled,
            LateRuns = late,
            Version = queue.Version,
        };
    }

    /// <summary>Publishes the queue and every sibling whose priority moved.</summary>
    private async Task<WorkQueueDto> PublishAsync(WorkQueue queue, List<WorkQueue> moved, CancellationToken ct)
    {
        var dtos = await ToDtosAsync([queue, .. moved], ct);
        foreach (var dto in dtos)
        {
            feed.Publish(new QueueChanged(dto));
        }

        return dtos[0];
    }

    /// <summary>Priorities are unique in a pool: taking a used one shifts it and those after it down by one.</summary>
    private List<WorkQueue> MakeRoom(List<WorkQueue> siblings, int priority)
    {
        if (siblings.All(s => s.Priority != priority))
        {
            return [];
        }

        var moved = siblings.Where(s => s.Priority >= priority).ToList();
        foreach (var sibling in moved)
        {
            sibling.Priority++;
            sibling.UpdatedAt = rules.Now;
        }

        return moved;
    }

    private static void ValidatePriority(int? priority)
    {
        if (priority is < 1)
        {
            throw new InvalidRequestException("priority", "Priority must be 1 or more (1 runs first).");
        }
    }
}

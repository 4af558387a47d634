using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Core.Polling;
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
        return await ToDtosAsync(queues.OrderBy(q => q.Pool.Name, StringComparer.Ordinal).ThenBy(q => q.Priority).ThenBy(q => q.Name, StringComparer.Ordinal).ToList(), ct);
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
        ValidateWeight(request.Weight);
        var pool = await pools.FindAsync(poolName, ct);
        var siblings = await db.WorkQueues.Where(q => q.PoolId == pool.Id).ToListAsync(ct);
        if (siblings.Any(q => q.Name == name))
        {
            throw new ConflictException($"Work queue '{name}' already exists in pool '{poolName}'.");
        }

        // New queues go last unless told otherwise; a priority already in use is shared (fair share by weight).
        var priority = request.Priority ?? (siblings.Count == 0 ? 1 : siblings.Max(q => q.Priority) + 1);
        var now = rules.Now;
        var queue = new WorkQueue
        {
            PoolId = pool.Id,
            Pool = pool,
            Name = name,
            Description = request.Description,
            Priority = priority,
            ConcurrencyLimit = request.ConcurrencyLimit,
            Weight = request.Weight ?? 1,
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

        return await PublishAsync(queue, ct);
    }

    public async Task<WorkQueueDto> UpdateAsync(string poolName, string name, UpdateWorkQueueRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var queue = await FindAsync(poolName, name, ct);
        var limit = request.ConcurrencyLimit.GetValueOr(queue.ConcurrencyLimit);
        WorkPoolService.ValidateLimit(limit);
        ValidatePriority(request.Priority);
        ValidateWeight(request.Weight);
        queue.Priority = request.Priority ?? queue.Priority;
        queue.Weight = request.Weight ?? queue.Weight;
        queue.Description = request.Description ?? queue.Description;
        queue.ConcurrencyLimit = limit;
        queue.IsPaused = request.IsPaused ?? queue.IsPaused;
        queue.UpdatedAt = rules.Now;
        await db.SaveChangesAsync(ct);
        return await PublishAsync(queue, ct);
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
            Weight = queue.Weight,
            IsPaused = queue.IsPaused,
            Status = rules.Queue(queue, queue.Pool.IsPaused),
            LastPolledAt = queue.LastPolledAt,
            ScheduledRuns = scheduled,
            LateRuns = late,
            Version = queue.Version,
        };
    }

    private async Task<WorkQueueDto> PublishAsync(WorkQueue queue, CancellationToken ct)
    {
        var dto = (await ToDtosAsync([queue], ct))[0];
        feed.Publish(new QueueChanged(dto));
        return dto;
    }

    private static void ValidatePriority(int? priority)
    {
        if (priority is < 1)
        {
            throw new InvalidRequestException("priority", "Priority must be 1 or more (1 runs first).");
        }
    }

    private static void ValidateWeight(int? weight)
    {
        if (weight is < FairShare.MinWeight or > FairShare.MaxWeight)
        {
            throw new InvalidRequestException("weight", $"Weight must be {FairShare.MinWeight} to {FairShare.MaxWeight} (its share of claims among queues of the same priority).");
        }
    }
}

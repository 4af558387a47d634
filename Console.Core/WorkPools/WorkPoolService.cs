using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Contracts.WorkPools;
using Console.Core.Common;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Console.Core.WorkPools;

public sealed class WorkPoolService(ConsoleDbContext db, IChangeFeed feed, StatusRules rules, IOptions<WorkPoolOptions> options)
{
    /// <summary>A pool by name, tracked: every heartbeat that writes and every API call on a pool begins with it.</summary>
    private static readonly CompiledPerModel<Func<ConsoleDbContext, string, CancellationToken, Task<WorkPool?>>> ByName =
        new(() => EF.CompileAsyncQuery((ConsoleDbContext c, string name, CancellationToken t) => c.WorkPools.FirstOrDefault(p => p.Name == name)));

    public async Task<IReadOnlyList<WorkPoolDto>> ListAsync(CancellationToken ct = default)
    {
        var pools = await db.WorkPools.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
        var online = await OnlinePoolIdsAsync(null, ct);
        return [.. pools.Select(p => ToDto(p, online.Contains(p.Id)))];
    }

    public async Task<WorkPoolDto> GetAsync(string name, CancellationToken ct = default)
    {
        var pool = await FindAsync(name, ct);
        return await ToDtoAsync(pool, ct);
    }

    public async Task<WorkPool> FindAsync(string name, CancellationToken ct = default) =>
        await ByName.For(db)(db, name, ct)
        ?? throw new NotFoundException($"Work pool '{name}' does not exist.");

    public async Task<WorkPoolDto> CreateAsync(CreateWorkPoolRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = Names.Require(request.Name, "name");
        var type = request.Type?.Trim();
        if (!WorkPoolTypes.IsKnown(type))
        {
            throw new InvalidRequestException("type",
                $"Unknown work pool type '{type}'. Known types: {string.Join(", ", WorkPoolTypes.Names)}.");
        }

        ValidateLimit(request.ConcurrencyLimit);
        var template = request.BaseJobTemplate ?? WorkPoolTypes.DefaultTemplate(type!, options.Value.DefaultImage);
        JobTemplate.Parse(template);

        if (await db.WorkPools.AnyAsync(p => p.Name == name, ct))
        {
            throw new ConflictException($"A work pool named '{name}' already exists.");
        }

        var now = rules.Now;
        var pool = new WorkPool
        {
            Name = name,
            Type = type!,
            Description = request.Description,
            ConcurrencyLimit = request.ConcurrencyLimit,
            IsPaused = request.IsPaused ?? false,
            BaseJobTemplate = template.ToJsonString(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        pool.Queues.Add(new WorkQueue { Name = WorkQueue.DefaultName, Priority = 1, CreatedAt = now, UpdatedAt = now });
        db.WorkPools.Add(pool);
        await SaveAsync(name, ct);

        var dto = ToDto(pool, anyWorkerOnline: false);
        feed.Publish(new PoolChanged(dto));
        return dto;
    }

    public async Task<WorkPoolDto> UpdateAsync(string name, UpdateWorkPoolRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pool = await FindAsync(name, ct);
        var limit = request.ConcurrencyLimit.GetValueOr(pool.ConcurrencyLimit);
        ValidateLimit(limit);
        if (request.BaseJobTemplate is { } template)
        {
            JobTemplate.Parse(template);
            pool.BaseJobTemplate = template.ToJsonString();
        }

        pool.Description = request.Description ?? pool.Description;
        pool.ConcurrencyLimit = limit;
        pool.IsPaused = request.IsPaused ?? pool.IsPaused;
        pool.UpdatedAt = rules.Now;
        await db.SaveChangesAsync(ct);
        return await PublishAsync(pool, ct);
    }

    public async Task<WorkPoolDto> SetPausedAsync(string name, bool paused, CancellationToken ct = default)
    {
        var pool = await FindAsync(name, ct);
        if (pool.IsPaused != paused)
        {
            pool.IsPaused = paused;
            pool.UpdatedAt = rules.Now;
            await db.SaveChangesAsync(ct);
        }

        return await PublishAsync(pool, ct);
    }

    public async Task DeleteAsync(string name, CancellationToken ct = default)
    {
        var pool = await FindAsync(name, ct);
        var deployments = await db.Deployments.CountAsync(d => d.PoolId == pool.Id, ct);
        if (deployments > 0)
        {
            throw new ConflictException(
                $"Work pool '{name}' still has {deployments} deployment(s); delete or move them first.");
        }

        var active = await db.FlowRuns.CountAsync(r => r.PoolId == pool.Id && FlowRunStates.Active.Contains(r.State), ct);
        if (active > 0)
        {
            throw new ConflictException($"Work pool '{name}' has {active} run(s) in progress; wait for them or cancel them first.");
        }

        db.WorkPools.Remove(pool);
        await db.SaveChangesAsync(ct);
        feed.Publish(new PoolDeleted(name));
    }

    public async Task<WorkPoolDto> PublishAsync(WorkPool pool, CancellationToken ct = default)
    {
        var dto = await ToDtoAsync(pool, ct);
        feed.Publish(new PoolChanged(dto));
        return dto;
    }

    /// <summary>
    /// Publishes the pool after <paramref name="changed"/>, one of its workers, changed. When that
    /// worker is Online the pool has one, so its workers are not read: a fleet coming up published
    /// its pool once per new worker, and each read every worker of the pool.
    /// </summary>
    public async Task<WorkPoolDto> PublishAsync(WorkPool pool, PoolWorker changed, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(changed);
        if (rules.Worker(changed) != WorkerStatus.Online)
        {
            return await PublishAsync(pool, ct);
        }

        var dto = ToDto(pool, anyWorkerOnline: true);
        feed.Publish(new PoolChanged(dto));
        return dto;
    }

    public async Task<WorkPoolDto> ToDtoAsync(WorkPool pool, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var online = await OnlinePoolIdsAsync(pool.Id, ct);
        return ToDto(pool, online.Contains(pool.Id));
    }

    public static WorkPoolDto ToDto(WorkPool pool, bool anyWorkerOnline)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return new WorkPoolDto
        {
            Id = pool.Id,
            Name = pool.Name,
            Type = pool.Type,
            Description = pool.Description,
            Status = StatusRules.Pool(pool.IsPaused, anyWorkerOnline),
            IsPaused = pool.IsPaused,
            ConcurrencyLimit = pool.ConcurrencyLimit,
            BaseJobTemplate = ConsoleJson.ParseObject(pool.BaseJobTemplate),
            LastPolledAt = pool.LastPolledAt,
            CreatedAt = pool.CreatedAt,
            UpdatedAt = pool.UpdatedAt,
            Version = pool.Version,
        };
    }

    private async Task<HashSet<Guid>> OnlinePoolIdsAsync(Guid? poolId, CancellationToken ct)
    {
        var query = db.Workers.AsNoTracking();
        if (poolId is { } id)
        {
            query = query.Where(w => w.PoolId == id);
        }

        var beats = await query.Select(w => new { w.Id, w.PoolId, w.LastHeartbeatAt, w.HeartbeatIntervalSeconds, w.DrainingSince }).ToListAsync(ct);
        // A draining worker claims nothing: it does not make its pool Ready.
        return [.. beats
            .Where(b => rules.Worker(b.Id, b.LastHeartbeatAt, b.HeartbeatIntervalSeconds, b.DrainingSince) == WorkerStatus.Online)
            .Select(b => b.PoolId)];
    }

    private async Task SaveAsync(string name, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two creators raced past the existence check; the unique index decided.
            throw new ConflictException($"A work pool named '{name}' already exists.");
        }
    }

    internal static void ValidateLimit(int? limit, string field = "concurrencyLimit")
    {
        if (limit is < 0)
        {
            throw new InvalidRequestException(field, "A concurrency limit cannot be negative.");
        }
    }

    /// <summary>The pool's template, parsed; the stored one was validated when it was written.</summary>
    public static JobTemplate TemplateOf(WorkPool pool) => JobTemplate.Parse(ConsoleJson.ParseObject(pool?.BaseJobTemplate));
}

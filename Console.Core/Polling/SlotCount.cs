using Console.Core.Persistence;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Polling;

/// <summary>
/// The slots of one pool in use and free under its pool, queue and deployment limits. The claim
/// counts with it (and takes slots as it claims); the diagnosis asks it which limit is full.
/// </summary>
public sealed class SlotCount
{
    private readonly WorkPool _pool;
    private readonly IReadOnlyDictionary<Guid, int> _deploymentLimits;
    private readonly Dictionary<Guid, int> _queueActive;
    private readonly Dictionary<Guid, int> _deploymentActive;

    /// <param name="active">How many slot holders (<see cref="ClaimPolicy.SlotHolders"/>) each queue and deployment has.</param>
    public SlotCount(WorkPool pool, IReadOnlyDictionary<Guid, int> deploymentLimits, IEnumerable<(Guid QueueId, Guid? DeploymentId, int Count)> active)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(deploymentLimits);
        ArgumentNullException.ThrowIfNull(active);
        _pool = pool;
        _deploymentLimits = deploymentLimits;
        _queueActive = [];
        _deploymentActive = [];
        foreach (var (queueId, deploymentId, count) in active)
        {
            Take(queueId, deploymentId, count);
        }
    }

    public int PoolActive { get; private set; }

    public int QueueActive(Guid queueId) => _queueActive.GetValueOrDefault(queueId);

    public int DeploymentActive(Guid deploymentId) => _deploymentActive.GetValueOrDefault(deploymentId);

    public int? DeploymentLimit(Guid deploymentId) => _deploymentLimits.TryGetValue(deploymentId, out var limit) ? limit : null;

    /// <summary>Slots free in the pool (<see cref="int.MaxValue"/> without a pool limit).</summary>
    public int PoolRoom => _pool.ConcurrencyLimit is { } limit ? limit - PoolActive : int.MaxValue;

    /// <summary>Slots free in the queue (<see cref="int.MaxValue"/> without a queue limit).</summary>
    public int QueueRoom(WorkQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.ConcurrencyLimit is { } limit ? limit - QueueActive(queue.Id) : int.MaxValue;
    }

    public bool PoolFull => PoolRoom <= 0;

    public bool QueueFull(WorkQueue queue) => QueueRoom(queue) <= 0;

    /// <summary>True when the run's deployment has a limit and every slot of it is in use.</summary>
    public bool DeploymentFull(Guid? deploymentId) =>
        deploymentId is { } id && DeploymentLimit(id) is { } limit && DeploymentActive(id) >= limit;

    /// <summary>Counts more slot holders (a run just claimed: one).</summary>
    public void Take(Guid queueId, Guid? deploymentId, int count = 1)
    {
        PoolActive += count;
        _queueActive[queueId] = QueueActive(queueId) + count;
        if (deploymentId is { } d)
        {
            _deploymentActive[d] = DeploymentActive(d) + count;
        }
    }

    /// <summary>Counts the pool's slot holders now, by queue and deployment.</summary>
    public static async Task<SlotCount> CountAsync(ConsoleDbContext db, WorkPool pool, IReadOnlyDictionary<Guid, int> deploymentLimits, DateTime heldAfter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(pool);
        var active = await db.FlowRuns.AsNoTracking().SlotHolders(pool.Id, heldAfter)
            .GroupBy(r => new { r.QueueId, r.DeploymentId })
            .Select(g => new { g.Key.QueueId, g.Key.DeploymentId, Count = g.Count() })
            .ToListAsync(ct);
        return new SlotCount(pool, deploymentLimits, active.Select(a => (a.QueueId, a.DeploymentId, a.Count)));
    }
}

using Console.Contracts;
using Console.Core.WorkPools;

namespace Console.Core.WorkQueues;

public sealed class WorkQueue : Persistence.IVersioned
{
    public const string DefaultName = WorkQueueDto.DefaultName;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid PoolId { get; set; }
    public WorkPool Pool { get; set; } = null!;
    public required string Name { get; set; }
    public string? Description { get; set; }

    /// <summary>Lower runs first; queues of one priority share claims by <see cref="Weight"/>.</summary>
    public int Priority { get; set; }

    public int? ConcurrencyLimit { get; set; }

    /// <summary>Share of claims among queues of the same priority (fair share); see <see cref="WorkQueueDto.Weight"/>.</summary>
    public int Weight { get; set; } = 1;
    public bool IsPaused { get; set; }
    public DateTime? LastPolledAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>See <see cref="Persistence.IVersioned"/>.</summary>
    public long Version { get; set; }
}

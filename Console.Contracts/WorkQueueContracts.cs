namespace Console.Contracts;

public sealed record WorkQueueDto : Common.IVersionedDto
{
    /// <summary>The queue every pool is created with; it cannot be deleted.</summary>
    public const string DefaultName = "default";

    /// <summary>The bounds of <see cref="Weight"/>.</summary>
    public const int MinWeight = 1;

    public const int MaxWeight = 1000;

    public Guid Id { get; init; }
    public required string Name { get; init; }
    public required string PoolName { get; init; }
    public string? Description { get; init; }
    public int Priority { get; init; }
    public int? ConcurrencyLimit { get; init; }

    /// <summary>
    /// Its share of claims among the pool's queues of the same priority (1-1000, default 1): a queue
    /// of weight 3 gets three runs for each one of a weight-1 queue while both have runs waiting.
    /// </summary>
    public int Weight { get; init; } = 1;
    public bool IsPaused { get; init; }
    public QueueStatus Status { get; init; }
    public DateTime? LastPolledAt { get; init; }
    public int LateRuns { get; init; }
    public int ScheduledRuns { get; init; }

    /// <summary>Grows with every write of the row: a client showing a higher version drops an event carrying a lower one.</summary>
    public long Version { get; init; }
}

public sealed record CreateWorkQueueRequest
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public int? Priority { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public int? Weight { get; init; }
    public bool? IsPaused { get; init; }
}

public sealed record UpdateWorkQueueRequest
{
    public string? Description { get; init; }
    public int? Priority { get; init; }
    public Optional<int?> ConcurrencyLimit { get; init; }
    public int? Weight { get; init; }
    public bool? IsPaused { get; init; }
}

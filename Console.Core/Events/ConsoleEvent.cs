namespace Console.Core.Events;

/// <summary>
/// A recorded event (docs/automations.md). Written in the transaction of the change that caused it,
/// or, for what time alone causes (a worker going offline), by a server job under a unique
/// <see cref="OccurrenceKey"/> so replicas record each occurrence once.
/// </summary>
public sealed class ConsoleEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Insertion order across the database: the dispatcher and the lists page by it.</summary>
    public long Seq { get; set; }

    public DateTime OccurredAt { get; set; }
    public required string Type { get; set; }
    public required string ResourceKind { get; set; }
    public required string ResourceId { get; set; }
    public required string ResourceName { get; set; }

    /// <summary>JSON array of related resources ({kind, id, name}).</summary>
    public string Related { get; set; } = "[]";

    public string Payload { get; set; } = "{}";

    /// <summary>
    /// The list <see cref="Related"/> was written from, on the instance that wrote it (not mapped: EF
    /// Core maps public properties only). The change feed's copy of a new event takes it instead of
    /// reading the JSON back, which a claim of 100 runs did 100 times under the write lock.
    /// </summary>
    internal IReadOnlyList<Contracts.Automations.EventResourceDto>? RelatedAsWritten { get; init; }

    // Columns for filters and matching (copied from resource, related and payload).
    public string? PoolName { get; set; }
    public string? QueueName { get; set; }
    public Guid? DeploymentId { get; set; }
    public Guid? FlowRunId { get; set; }
    public string? State { get; set; }
    public Guid? AutomationId { get; set; }

    public string? OccurrenceKey { get; set; }

    /// <summary>When the dispatcher matched it against the automations; null until then.</summary>
    public DateTime? DispatchedAt { get; set; }
}

using System.Text.Json.Nodes;

namespace Console.Contracts;

public sealed record WorkPoolTypeDto(string Type, string DisplayName, string Description, JsonObject BaseJobTemplate);

public sealed record WorkPoolDto : Common.IVersionedDto
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? Description { get; init; }
    public PoolStatus Status { get; init; }
    public bool IsPaused { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public required JsonObject BaseJobTemplate { get; init; }
    public string DefaultQueueName { get; init; } = WorkQueueDto.DefaultName;
    public DateTime? LastPolledAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    /// <summary>Grows with every write of the row: a client showing a higher version drops an event carrying a lower one.</summary>
    public long Version { get; init; }
}

public sealed record CreateWorkPoolRequest
{
    public string? Name { get; init; }
    public string? Type { get; init; }
    public string? Description { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public bool? IsPaused { get; init; }
    public JsonObject? BaseJobTemplate { get; init; }
}

/// <summary>PATCH body: absent fields stay as they are. A null <c>concurrencyLimit</c> sent explicitly clears it.</summary>
public sealed record UpdateWorkPoolRequest
{
    public string? Description { get; init; }
    public Optional<int?> ConcurrencyLimit { get; init; }
    public bool? IsPaused { get; init; }
    public JsonObject? BaseJobTemplate { get; init; }
}

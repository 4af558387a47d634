using System.Text.Json.Nodes;

namespace Console.Contracts;

public sealed record ScheduleDto
{
    public string? Cron { get; init; }
    public int? IntervalSeconds { get; init; }
    public string? Timezone { get; init; }
    public bool Active { get; init; } = true;

    /// <summary>For interval schedules: the first occurrence; defaults to the deployment's creation.</summary>
    public DateTime? AnchorDate { get; init; }
}

public sealed record DeploymentDto
{
    public Guid Id { get; init; }
    public required string FlowName { get; init; }
    public required string Name { get; init; }
    public required string Entrypoint { get; init; }
    public string? Command { get; init; }
    public required string WorkPoolName { get; init; }
    public required string WorkQueueName { get; init; }
    public required JsonObject JobVariables { get; init; }
    public required JsonObject Parameters { get; init; }
    public IReadOnlyList<ScheduleDto> Schedules { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Description { get; init; }
    public bool IsPaused { get; init; }
    public int? ConcurrencyLimit { get; init; }
    public DeploymentStatus Status { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

public sealed record CreateDeploymentRequest
{
    public string? FlowName { get; init; }
    public string? Name { get; init; }
    public string? Entrypoint { get; init; }
    public string? Command { get; init; }
    public string? WorkPoolName { get; init; }
    public string? WorkQueueName { get; init; }
    public JsonObject? JobVariables { get; init; }
    public JsonObject? Parameters { get; init; }
    public IReadOnlyList<ScheduleDto>? Schedules { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public string? Description { get; init; }
    public bool? IsPaused { get; init; }
    public int? ConcurrencyLimit { get; init; }
}

public sealed record UpdateDeploymentRequest
{
    public string? Entrypoint { get; init; }
    public Optional<string?> Command { get; init; }
    public string? WorkQueueName { get; init; }
    public JsonObject? JobVariables { get; init; }
    public JsonObject? Parameters { get; init; }
    public IReadOnlyList<ScheduleDto>? Schedules { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public string? Description { get; init; }
    public bool? IsPaused { get; init; }
    public Optional<int?> ConcurrencyLimit { get; init; }
}

public sealed record CreateFlowRunRequest
{
    public JsonObject? Parameters { get; init; }
    public JsonObject? JobVariables { get; init; }
    public DateTime? ScheduledStartAt { get; init; }
}

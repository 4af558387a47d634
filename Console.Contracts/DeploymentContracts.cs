using System.Text.Json.Nodes;
using Console.Contracts.Deployments;

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

public sealed record DeploymentDto : Common.IVersionedDto
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
    public CollisionStrategy CollisionStrategy { get; init; }
    public RetryPolicyDto? Retries { get; init; }

    /// <summary>The longest a run may stay Running before it is stopped and ends TimedOut; null = no limit.</summary>
    public int? TimeoutSeconds { get; init; }

    public LatePolicyDto? LatePolicy { get; init; }
    public IReadOnlyList<PullStepDto> PullSteps { get; init; } = [];
    public DeploymentStatus Status { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    /// <summary>Grows with every write of the row: a client showing a higher version drops an event carrying a lower one.</summary>
    public long Version { get; init; }
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
    public CollisionStrategy? CollisionStrategy { get; init; }
    public RetryPolicyDto? Retries { get; init; }
    public int? TimeoutSeconds { get; init; }
    public LatePolicyDto? LatePolicy { get; init; }
    public IReadOnlyList<PullStepDto>? PullSteps { get; init; }
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
    public CollisionStrategy? CollisionStrategy { get; init; }

    /// <summary>Null clears the policy (no retries); absent keeps it.</summary>
    public Optional<RetryPolicyDto?> Retries { get; init; }

    public Optional<int?> TimeoutSeconds { get; init; }
    public Optional<LatePolicyDto?> LatePolicy { get; init; }

    /// <summary>Replaces the steps; an empty list removes them.</summary>
    public IReadOnlyList<PullStepDto>? PullSteps { get; init; }
}

public sealed record CreateFlowRunRequest
{
    public JsonObject? Parameters { get; init; }
    public JsonObject? JobVariables { get; init; }

    /// <summary>May be in the past (a backfill): such a run is due at once, and late policies apply to it.</summary>
    public DateTime? ScheduledStartAt { get; init; }
}

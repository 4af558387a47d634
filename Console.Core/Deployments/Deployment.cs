using Console.Contracts.Deployments;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;

namespace Console.Core.Deployments;

public sealed class Deployment : Persistence.IVersioned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string FlowName { get; set; }
    public required string Name { get; set; }
    public required string Entrypoint { get; set; }
    public string? Command { get; set; }
    public Guid PoolId { get; set; }
    public WorkPool Pool { get; set; } = null!;
    public Guid QueueId { get; set; }
    public WorkQueue Queue { get; set; } = null!;
    public string JobVariables { get; set; } = "{}";
    public string Parameters { get; set; } = "{}";

    /// <summary>JSON array of <see cref="Contracts.ScheduleDto"/>.</summary>
    public string Schedules { get; set; } = "[]";

    public string Tags { get; set; } = "[]";
    public string? Description { get; set; }
    public bool IsPaused { get; set; }
    public int? ConcurrencyLimit { get; set; }

    /// <summary>JSON array of <see cref="PullStepDto"/>, normalised by <see cref="PullStepRules"/>.</summary>
    public string PullSteps { get; set; } = "[]";
    /// <summary>What a run created while <see cref="ConcurrencyLimit"/> is full does.</summary>
    public CollisionStrategy CollisionStrategy { get; set; }

    /// <summary>JSON of <see cref="RetryPolicyDto"/>; null: runs are never retried.</summary>
    public string? Retries { get; set; }

    /// <summary>The longest a run may stay Running; null: no limit.</summary>
    public int? TimeoutSeconds { get; set; }

    /// <summary>Late policy: a Scheduled run not claimed this long after its expected start is Skipped.</summary>
    public int? LateSkipAfterSeconds { get; set; }

    /// <summary>Late policy: the most Scheduled runs kept waiting; the oldest beyond it are Skipped.</summary>
    public int? LateMaxScheduled { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>See <see cref="Persistence.IVersioned"/>.</summary>
    public long Version { get; set; }
}

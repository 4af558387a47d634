using Console.Contracts.Deployments;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;

namespace Console.Core.Deployments;

public sealed class Deployment
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
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

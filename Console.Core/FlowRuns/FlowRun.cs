using Console.Contracts.FlowRuns;

namespace Console.Core.FlowRuns;

public sealed class FlowRun : Persistence.IVersioned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public Guid? DeploymentId { get; set; }
    public required string FlowName { get; set; }
    public required string DeploymentName { get; set; }
    public Guid PoolId { get; set; }
    public required string WorkPoolName { get; set; }
    public Guid QueueId { get; set; }
    public required string WorkQueueName { get; set; }
    public FlowRunState State { get; set; } = FlowRunState.Scheduled;
    public string? StateMessage { get; set; }
    public string? WorkerName { get; set; }
    public string? InfrastructureId { get; set; }
    public int? ExitCode { get; set; }
    public string Parameters { get; set; } = "{}";

    /// <summary>The merged job variables (pool defaults &lt; deployment &lt; run), validated at creation.</summary>
    public string JobVariables { get; set; } = "{}";

    /// <summary>Which schedule occurrence created the run; unique per deployment so the scheduler is idempotent.</summary>
    public string? ScheduleKey { get; set; }

    public DateTime ExpectedStartAt { get; set; }
    public DateTime? ClaimedAt { get; set; }

    /// <summary>
    /// The secret values the claim handed to the worker, encrypted (a JSON list inside Data
    /// Protection's payload): what the run's stored logs and state messages are masked with. Never
    /// in an answer (docs/security.md).
    /// </summary>
    public string? ProtectedSecretValues { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// 1 at creation, one more at every write (ConsoleDbContext stamps it): the order of a run's
    /// change events, whichever replica published them.
    /// </summary>
    public long Version { get; set; }

    /// <summary>
    /// Set when the run ended without its worker (the lease reaper settled it) while its
    /// infrastructure may still exist: until a worker confirms that infrastructure gone, the run
    /// keeps its concurrency slot (<see cref="FlowRunSlots"/>). Null otherwise.
    /// </summary>
    public DateTime? InfrastructureHeldSince { get; set; }

    /// <summary>When a worker confirmed the held infrastructure gone (stopped and removed it, or found none).</summary>
    public DateTime? InfrastructureReleasedAt { get; set; }

    /// <summary>The commit a git-pulled run ran, as its worker reported it with Running.</summary>
    public string? CodeRevision { get; set; }
    /// <summary>1-based. Raised when the run enters AwaitingRetry, so it always names the attempt the run is on or waits for (docs/reliability.md, "Retries").</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>1 + the deployment's maxRetries when the run was created; later policy changes do not move it.</summary>
    public int MaxAttempts { get; set; } = 1;

    /// <summary>The deployment's retry policy as JSON (<see cref="Contracts.Deployments.RetryPolicyDto"/>), copied at creation; null: never retried.</summary>
    public string? RetryPolicy { get; set; }

    /// <summary>When an AwaitingRetry run's next attempt is due (the claim takes it from then on); null in every other state.</summary>
    public DateTime? NextAttemptAt { get; set; }

    /// <summary>The client's <c>Idempotency-Key</c> of the request that created the run; unique per deployment (docs/api.md).</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>CPU time the run's infrastructure used, reported by the worker with the final state.</summary>
    public double? CpuSeconds { get; set; }

    /// <summary>Peak memory of the run's container or process tree, reported with the final state.</summary>
    public long? PeakMemoryBytes { get; set; }
}

/// <summary>One entry of a run's state timeline.</summary>
public sealed class FlowRunStateChange
{
    public long Id { get; set; }
    public Guid FlowRunId { get; set; }
    public FlowRunState State { get; set; }
    public string? Message { get; set; }
    public DateTime Timestamp { get; set; }

    /// <summary>The attempt the change belongs to.</summary>
    public int Attempt { get; set; } = 1;
}

public sealed class LogLine
{
    /// <summary>Monotonic across the database; clients page with <c>?after=seq</c>.</summary>
    public long Seq { get; set; }

    public Guid FlowRunId { get; set; }
    public DateTime Timestamp { get; set; }
    public string Level { get; set; } = "info";
    public string Stream { get; set; } = "stdout";
    public required string Message { get; set; }

    /// <summary>The sender's id of the line (<see cref="Contracts.NewLogLine.Id"/>): unique per run, so a resent line is stored once.</summary>
    public string? ClientId { get; set; }

    /// <summary>The attempt that wrote the line.</summary>
    public int Attempt { get; set; } = 1;
}

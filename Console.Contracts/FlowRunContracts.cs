using System.Text.Json.Nodes;
using Console.Contracts.FlowRuns;
namespace Console.Contracts;

public sealed record FlowRunDto : Common.IVersionedDto
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public Guid? DeploymentId { get; init; }
    public required string FlowName { get; init; }
    public required string DeploymentName { get; init; }
    public required string WorkPoolName { get; init; }
    public required string WorkQueueName { get; init; }
    public FlowRunState State { get; init; }
    public string? StateMessage { get; init; }
    public string? WorkerName { get; init; }
    public string? InfrastructureId { get; init; }
    public int? ExitCode { get; init; }
    public required JsonObject Parameters { get; init; }
    public required JsonObject JobVariables { get; init; }
    public DateTime ExpectedStartAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? EndedAt { get; init; }
    public DateTime CreatedAt { get; init; }

    /// <summary>1-based: which attempt the run is on (or ended on).</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>1 + the deployment's <c>maxRetries</c>, fixed when the run was created.</summary>
    public int MaxAttempts { get; init; } = 1;

    /// <summary>When an AwaitingRetry run's next attempt is due.</summary>
    public DateTime? NextAttemptAt { get; init; }

    /// <summary>
    /// The deployment's <c>timeoutSeconds</c> (null = none), sent with the run so the worker that
    /// claims it can stop it on time without reading the deployment.
    /// </summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>The commit a git-pulled run ran (its <c>gitClone</c> step's checkout).</summary>
    public string? CodeRevision { get; init; }

    /// <summary>What the run cost: null until it has started; CPU and memory once its worker reported them.</summary>
    public FlowRunUsageDto? Usage { get; init; }

    /// <summary>
    /// Grows with every change of the run. A client that already shows a higher version drops the
    /// event or answer carrying a lower one (it arrived late, e.g. through another replica).
    /// </summary>
    public long Version { get; init; }

    /// <summary>Whether this is an older copy of <paramref name="shown"/> (the same run at a lower version), to be dropped.</summary>
    public bool IsStaleAgainst(FlowRunDto? shown) => shown is not null && shown.Id == Id && Common.Versions.IsOlderThan(this, shown);

    /// <summary>
    /// The deployment's pull steps, in the claim answer only (what the claiming worker runs before the
    /// flow starts); null in every other answer.
    /// </summary>
    public IReadOnlyList<Deployments.PullStepDto>? PullSteps { get; init; }

    /// <summary>Set while the run, ended by the lease reaper, keeps its slot until a worker confirms its infrastructure gone.</summary>
    public DateTime? InfrastructureHeldSince { get; init; }

    /// <summary>When a worker confirmed that held infrastructure gone.</summary>
    public DateTime? InfrastructureReleasedAt { get; init; }

    /// <summary>
    /// The values of the secrets the run uses, by name: set only in the poll answer that claims the
    /// run for a worker allowed on its pool (docs/security.md), absent from every other answer.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Secrets { get; init; }
}

public sealed record SetStateRequest
{
    public FlowRunState? State { get; init; }
    public string? Message { get; init; }
    public int? ExitCode { get; init; }
    public string? InfrastructureId { get; init; }

    /// <summary>The commit a <c>gitClone</c> step checked out, reported with Running.</summary>
    public string? CodeRevision { get; init; }

    /// <summary>The attempt the sender is reporting for; a report for an attempt the run has left is refused (409).</summary>
    public int? Attempt { get; init; }

    /// <summary>What the run's infrastructure used, sent by the worker with the final state (only CPU and memory are read).</summary>
    public FlowRunUsageDto? Usage { get; init; }
}

public sealed record LogLineDto
{
    public long Seq { get; init; }
    public DateTime Timestamp { get; init; }
    public string Level { get; init; } = "info";
    public string Stream { get; init; } = "stdout";
    public required string Message { get; init; }

    /// <summary>The attempt that wrote the line (1-based).</summary>
    public int Attempt { get; init; } = 1;
}

public sealed record NewLogLine
{
    public DateTime? Timestamp { get; init; }
    public string? Level { get; init; }
    public string? Stream { get; init; }
    public string? Message { get; init; }

    /// <summary>
    /// Optional id the sender picks per line (at most 64 characters). A line whose id the run already
    /// has is skipped, so a post that is sent again (its answer was lost) adds nothing twice.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>The attempt that wrote the line; defaults to the run's current attempt.</summary>
    public int? Attempt { get; init; }
}

/// <summary>A token for one run's own process (<c>CONSOLE_API_KEY</c> in its environment): its logs and state only, until it ends.</summary>
public sealed record RunTokenDto(string Token, DateTime ExpiresAt);

/// <summary>One entry of a run's history; <paramref name="Attempt"/> tells the attempts apart.</summary>
public sealed record StateChangeDto(FlowRunState State, string? Message, DateTime Timestamp, int Attempt = 1);

public sealed record FlowRunQuery
{
    public string? Pool { get; init; }
    public string? Queue { get; init; }
    public Guid? Deployment { get; init; }
    public FlowRunState? State { get; init; }
    public string? Worker { get; init; }
    public int? Limit { get; init; }
}

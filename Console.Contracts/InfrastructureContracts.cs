namespace Console.Contracts;

/// <summary>
/// What a worker found on its engine with the pool's labels (any worker's containers or Swarm
/// services): <c>POST /api/work-pools/{pool}/infrastructure/reconcile</c>.
/// </summary>
public sealed record ReconcileRequest
{
    /// <summary>The most items one reconcile or released call may carry.</summary>
    public const int MaxItems = 1_000;

    /// <summary>The calling worker.</summary>
    public string? WorkerName { get; init; }

    public IReadOnlyList<FoundInfrastructure>? Infrastructure { get; init; }
}

/// <summary>One container or service, as its labels describe it.</summary>
public sealed record FoundInfrastructure
{
    public Guid FlowRunId { get; init; }
    public string? InfrastructureId { get; init; }

    /// <summary>The worker that started it (its label).</summary>
    public string? WorkerName { get; init; }

    public bool IsRunning { get; init; }
}

/// <summary>The server's answer: what to stop and remove because its run no longer owns it.</summary>
public sealed record ReconcileAnswer
{
    public IReadOnlyList<InfrastructureToRemove> Remove { get; init; } = [];

    /// <summary>Runs whose held slot the call released: their own worker found none of their infrastructure.</summary>
    public IReadOnlyList<Guid> Released { get; init; } = [];
}

public sealed record InfrastructureToRemove(Guid FlowRunId, string InfrastructureId, string Reason);

/// <summary>Infrastructure a worker stopped and removed: <c>POST /api/work-pools/{pool}/infrastructure/released</c>.</summary>
public sealed record ReleasedRequest
{
    public string? WorkerName { get; init; }
    public IReadOnlyList<ReleasedInfrastructure>? Infrastructure { get; init; }
}

public sealed record ReleasedInfrastructure(Guid FlowRunId, string? InfrastructureId);

/// <summary>How many held slots the report freed.</summary>
public sealed record ReleasedAnswer(int Released);

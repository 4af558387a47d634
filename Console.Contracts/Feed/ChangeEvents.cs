using Console.Contracts;

namespace Console.Contracts.Feed;

/// <summary>A change the console and outside clients may want to show; <see cref="PoolName"/> routes it.</summary>
public abstract record ChangeEvent(string? PoolName);

public sealed record PoolChanged(WorkPoolDto Pool) : ChangeEvent(Pool.Name);

public sealed record PoolDeleted(string Name) : ChangeEvent(Name);

public sealed record QueueChanged(WorkQueueDto Queue) : ChangeEvent(Queue.PoolName);

public sealed record QueueDeleted(string Pool, string Name) : ChangeEvent(Pool);

public sealed record WorkerChanged(WorkerDto Worker) : ChangeEvent(Worker.PoolName);

public sealed record WorkerDeleted(string Pool, string Name) : ChangeEvent(Pool);

public sealed record DeploymentChanged(DeploymentDto Deployment) : ChangeEvent(Deployment.WorkPoolName);

public sealed record DeploymentDeleted(Guid Id, string Pool) : ChangeEvent(Pool);

public sealed record FlowRunChanged(FlowRunDto FlowRun) : ChangeEvent(FlowRun.WorkPoolName);

public sealed record LogLinesAdded(Guid FlowRunId, string Pool, IReadOnlyList<LogLineDto> Lines) : ChangeEvent(Pool);

using Console.Contracts;

namespace Console.Contracts.Feed;

/// <summary>A change the console and outside clients may want to show; <see cref="PoolName"/> routes it.</summary>
public abstract record ChangeEvent(string? PoolName);

public sealed record PoolChanged(WorkPoolDto Pool) : ChangeEvent(Pool.Name);

public sealed record PoolDeleted(string Name) : ChangeEvent(Name);

public sealed record QueueChanged(WorkQueueDto Queue) : ChangeEvent(Queue.PoolName);

public sealed record QueueDeleted(string Pool, string Name) : ChangeEvent(Pool);

/// <summary>
/// A worker changed. From a poll it also carries the "last polled" stamps the poll left on its pool
/// and queues (<see cref="Polled"/>): the one way every page learns that a pool or queue was polled.
/// </summary>
public sealed record WorkerChanged(WorkerDto Worker, PollStampsDto? Polled = null) : ChangeEvent(Worker.PoolName);

/// <summary>The "last polled" of a poll's pool and of each queue it polled, as stored after the poll.</summary>
public sealed record PollStampsDto(DateTime? PoolLastPolledAt, IReadOnlyList<QueuePollStamp> Queues);

public sealed record QueuePollStamp(string Name, DateTime? LastPolledAt);

public sealed record WorkerDeleted(string Pool, string Name) : ChangeEvent(Pool);

public sealed record DeploymentChanged(DeploymentDto Deployment) : ChangeEvent(Deployment.WorkPoolName);

public sealed record DeploymentDeleted(Guid Id, string Pool) : ChangeEvent(Pool);

/// <summary>A run changed; <see cref="FlowRunDto.Version"/> orders a run's events (a lower one than shown is stale).</summary>
public sealed record FlowRunChanged(FlowRunDto FlowRun) : ChangeEvent(FlowRun.WorkPoolName);

public sealed record LogLinesAdded(Guid FlowRunId, string Pool, IReadOnlyList<LogLineDto> Lines) : ChangeEvent(Pool);

/// <summary>
/// A key was revoked, a user deleted or signed out: every replica closes what that credential
/// still holds open (hub connections, UI circuits). Carries the key's or user's id only.
/// </summary>
public sealed record CredentialRevoked(Guid CredentialId) : ChangeEvent((string?)null);

/// <summary>An event was recorded (docs/automations.md); sent on the hub as <c>Event</c>.</summary>
public sealed record EventRecorded(Automations.EventDto Event, string? Pool) : ChangeEvent(Pool);

/// <summary>An automation's action was attempted: the deliveries page updates live.</summary>
public sealed record DeliveryRecorded(Automations.DeliveryDto Delivery) : ChangeEvent((string?)null);

/// <summary>An automation was created, changed (or fired) or deleted (<see cref="Automation"/> null).</summary>
public sealed record AutomationChanged(Guid Id, Automations.AutomationDto? Automation) : ChangeEvent((string?)null);

/// <summary>
/// Events may have been missed: the feed between replicas was down and is back. Published on the
/// replica that noticed, never relayed: its pages (and, through the hub's <c>Resync</c>, its hub
/// clients) reload the current state instead of waiting for the next event.
/// </summary>
public sealed record FeedResync() : ChangeEvent((string?)null);

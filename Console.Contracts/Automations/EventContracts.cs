using System.Text.Json.Nodes;

namespace Console.Contracts.Automations;

/// <summary>
/// Something that happened, recorded in the same transaction as the change that caused it
/// (docs/automations.md). Newest first from <c>GET /api/events</c>; also sent on the hub as <c>Event</c>.
/// </summary>
public sealed record EventDto
{
    public Guid Id { get; init; }
    public DateTime OccurredAt { get; init; }
    public required string Type { get; init; }
    public required EventResourceDto Resource { get; init; }
    public IReadOnlyList<EventResourceDto> Related { get; init; } = [];
    public JsonObject Payload { get; init; } = [];
}

/// <summary>A thing an event is about: <c>kind</c> is flowRun, worker, workQueue, workPool, deployment or automation.</summary>
public sealed record EventResourceDto(string Kind, string Id, string Name);

/// <summary>The event types (docs/api.md).</summary>
public static class EventTypes
{
    public const string FlowRunStateChanged = "flowRun.stateChanged";
    public const string WorkerOnline = "worker.online";
    public const string WorkerOffline = "worker.offline";

    /// <summary>A worker began to drain (REST, the console's button, or its own SIGTERM): it claims nothing new.</summary>
    public const string WorkerDraining = "worker.draining";
    public const string WorkQueueReady = "workQueue.ready";
    public const string WorkQueueNotReady = "workQueue.notReady";
    public const string WorkPoolPaused = "workPool.paused";
    public const string WorkPoolResumed = "workPool.resumed";
    public const string DeploymentCreated = "deployment.created";
    public const string DeploymentUpdated = "deployment.updated";
    public const string DeploymentDeleted = "deployment.deleted";

    /// <summary>A time-based trigger fired (flowRunLate, queueNotReady, absence): the event its automation acts on.</summary>
    public const string AutomationTriggered = "automation.triggered";

    /// <summary>The sample event of <c>POST /api/automations/{id}/test</c>; never stored.</summary>
    public const string AutomationTest = "automation.test";

    public static readonly IReadOnlyList<string> All =
    [
        FlowRunStateChanged, WorkerOnline, WorkerOffline, WorkerDraining, WorkQueueReady, WorkQueueNotReady, WorkPoolPaused, WorkPoolResumed,
        DeploymentCreated, DeploymentUpdated, DeploymentDeleted, AutomationTriggered,
    ];
}

/// <summary>Resource kinds of <see cref="EventResourceDto"/>.</summary>
public static class ResourceKinds
{
    public const string FlowRun = "flowRun";
    public const string Worker = "worker";
    public const string WorkQueue = "workQueue";
    public const string WorkPool = "workPool";
    public const string Deployment = "deployment";
    public const string Automation = "automation";
}

/// <summary>Filters of <c>GET /api/events</c>.</summary>
public sealed record EventQuery(string? Type = null, string? Pool = null, Guid? Deployment = null, Guid? FlowRun = null, DateTime? Since = null, int? Limit = null);

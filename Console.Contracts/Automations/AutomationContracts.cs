using System.Text.Json.Nodes;
using Console.Contracts.FlowRuns;

namespace Console.Contracts.Automations;

/// <summary>An automation: when its trigger fires, each of its actions runs once (docs/automations.md).</summary>
public sealed record AutomationDto
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public bool Enabled { get; init; }
    public required AutomationTrigger Trigger { get; init; }
    public IReadOnlyList<AutomationAction> Actions { get; init; } = [];
    public int? CooldownSeconds { get; init; }
    public DateTime? LastFiredAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>
/// What fires an automation. One flat shape for every <see cref="Type"/>; which fields each type
/// takes is in <see cref="TriggerTypes"/> and docs/api.md.
/// </summary>
public sealed record AutomationTrigger
{
    public string? Type { get; init; }

    /// <summary>flowRunState: the states that fire it.</summary>
    public IReadOnlyList<FlowRunState>? States { get; init; }

    public string? Pool { get; init; }
    public string? Queue { get; init; }

    /// <summary>"flow/name" or the deployment's id.</summary>
    public string? Deployment { get; init; }

    /// <summary>flowRunState: the run's deployment has every one of these tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    public int? AfterSeconds { get; init; }
    public int? ForSeconds { get; init; }

    /// <summary>absence: the state expected within <see cref="WithinSeconds"/>.</summary>
    public FlowRunState? State { get; init; }

    public int? WithinSeconds { get; init; }
}

/// <summary>What an automation does; one flat shape for every <see cref="Type"/> (see <see cref="ActionTypes"/>).</summary>
public sealed record AutomationAction
{
    /// <summary>
    /// The action's identity, given by the server: sent back with a change, the action keeps its
    /// stored secret and header values whatever else moved (its URL, its place in the list).
    /// </summary>
    public string? Id { get; init; }

    public string? Type { get; init; }
    public string? Url { get; init; }

    /// <summary>Write-only: accepted on create and update, never answered (see <see cref="HasSecret"/>).</summary>
    public string? Secret { get; init; }

    /// <summary>In answers only: the webhook signs its deliveries.</summary>
    public bool? HasSecret { get; init; }

    /// <summary>Header values are write-only like the secret: answers carry <see cref="RedactedHeader"/>; sent back, it keeps the stored value.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public const string RedactedHeader = "****";

    /// <summary>webhook: the JSON body; strings may hold <c>{{ event.type }}</c>-style placeholders.</summary>
    public JsonNode? Body { get; init; }

    public string? Deployment { get; init; }
    public JsonObject? Parameters { get; init; }
    public string? Pool { get; init; }
    public string? Queue { get; init; }
}

public static class TriggerTypes
{
    public const string FlowRunState = "flowRunState";
    public const string FlowRunLate = "flowRunLate";
    public const string WorkerOffline = "workerOffline";
    public const string QueueNotReady = "queueNotReady";
    public const string Absence = "absence";

    public static readonly IReadOnlyList<string> All = [FlowRunState, FlowRunLate, WorkerOffline, QueueNotReady, Absence];

    /// <summary>Triggers a server job evaluates against the clock rather than against each event.</summary>
    public static bool IsTimed(string? type) => type is FlowRunLate or QueueNotReady or Absence;
}

public static class ActionTypes
{
    public const string Webhook = "webhook";
    public const string RunDeployment = "runDeployment";
    public const string CancelFlowRun = "cancelFlowRun";
    public const string PauseWorkPool = "pauseWorkPool";
    public const string ResumeWorkPool = "resumeWorkPool";
    public const string PauseWorkQueue = "pauseWorkQueue";
    public const string PauseDeployment = "pauseDeployment";

    public static readonly IReadOnlyList<string> All = [Webhook, RunDeployment, CancelFlowRun, PauseWorkPool, ResumeWorkPool, PauseWorkQueue, PauseDeployment];
}

public sealed record CreateAutomationRequest
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public bool? Enabled { get; init; }
    public AutomationTrigger? Trigger { get; init; }
    public IReadOnlyList<AutomationAction>? Actions { get; init; }
    public int? CooldownSeconds { get; init; }
}

/// <summary>
/// PATCH: absent fields stay. A webhook action sent without a secret keeps the secret of the action
/// at the same position when its URL is unchanged (the secret is never read back to send again).
/// </summary>
public sealed record UpdateAutomationRequest
{
    public string? Name { get; init; }
    public Optional<string?> Description { get; init; }
    public bool? Enabled { get; init; }
    public AutomationTrigger? Trigger { get; init; }
    public IReadOnlyList<AutomationAction>? Actions { get; init; }
    public Optional<int?> CooldownSeconds { get; init; }
}

/// <summary>
/// One attempt of one action for one event. <see cref="Id"/> is the delivery id (the webhook's
/// <c>Console-Delivery</c>): the same for every attempt of that event and action.
/// </summary>
public sealed record DeliveryDto
{
    public Guid Id { get; init; }
    public Guid EventId { get; init; }
    public Guid AutomationId { get; init; }

    /// <summary>The action's type.</summary>
    public required string Action { get; init; }

    /// <summary>The action's position in the automation's list.</summary>
    public int ActionIndex { get; init; }

    public int Attempt { get; init; }
    public int? StatusCode { get; init; }
    public string? Error { get; init; }
    public long DurationMs { get; init; }
    public DateTime At { get; init; }

    /// <summary>Succeeded, Retrying (another attempt is due) or Failed (final).</summary>
    public required string Outcome { get; init; }
}

/// <summary>What <c>POST /api/automations/{id}/test</c> did: the sample event and one delivery id per action.</summary>
public sealed record AutomationTestResult(EventDto Event, IReadOnlyList<Guid> Deliveries);

/// <summary>The preview of <c>POST /api/automations/preview</c>: which recent events a trigger would have matched.</summary>
public sealed record AutomationPreviewRequest(AutomationTrigger? Trigger, int? Limit = null);

namespace Console.Core.Automations;

public sealed class Automation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public string? Description { get; set; }
    public bool Enabled { get; set; } = true;
    public required string TriggerType { get; set; }

    /// <summary>The trigger as JSON (an <see cref="Contracts.Automations.AutomationTrigger"/>).</summary>
    public required string Trigger { get; set; }

    /// <summary>The actions as JSON, webhook secrets included: never answered as they are stored.</summary>
    public required string Actions { get; set; }

    public int? CooldownSeconds { get; set; }

    /// <summary>A concurrency token: two replicas firing the same automation at once cannot both pass its cooldown.</summary>
    public DateTime? LastFiredAt { get; set; }

    /// <summary>When it was last enabled (or created enabled): absence triggers count silence from here.</summary>
    public DateTime ArmedAt { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// One action to perform for one event: unique per (event, automation, action), so however many
/// replicas match the event, the action is delivered under one id. Its attempts are rows of
/// <see cref="DeliveryAttempt"/>.
/// </summary>
public sealed class AutomationDelivery
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid EventId { get; set; }
    public Guid AutomationId { get; set; }
    public int ActionIndex { get; set; }
    public required string ActionType { get; set; }
    public DeliveryStatus Status { get; set; } = DeliveryStatus.Pending;
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }

    /// <summary>A replica working on it holds it until then; after a crash another takes it over.</summary>
    public DateTime? LeaseUntil { get; set; }

    /// <summary>The event as JSON, kept for retries (events may be deleted by retention first) and for test sends.</summary>
    public required string EventJson { get; set; }

    public DateTime CreatedAt { get; set; }
}

public enum DeliveryStatus
{
    Pending,
    Succeeded,
    Failed,
}

/// <summary>One attempt of a delivery, as the deliveries list shows it.</summary>
public sealed class DeliveryAttempt
{
    public long Id { get; set; }
    public Guid DeliveryId { get; set; }
    public Guid AutomationId { get; set; }
    public Guid EventId { get; set; }
    public int ActionIndex { get; set; }
    public required string ActionType { get; set; }
    public int Attempt { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    public long DurationMs { get; set; }
    public DateTime At { get; set; }
    public required string Outcome { get; set; }
}

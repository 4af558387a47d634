using System.Text.Json.Nodes;

namespace Console.Contracts.Diagnostics;

/// <summary>
/// Why a flow run, work queue or worker is in the state it is: every reason, each with a stable
/// <see cref="DiagnosisReason.Code"/>, a sentence with the numbers, and the numbers as data.
/// </summary>
public sealed record DiagnosisDto
{
    /// <summary><c>flow-run</c>, <c>work-queue</c> or <c>worker</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>What is diagnosed, in words: <c>flow run 'crimson-fox' (pool/queue)</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>The derived status as the API shows it (Late, NotReady, Offline ...).</summary>
    public required string Status { get; init; }

    /// <summary>One line: the first reason, or that nothing is wrong.</summary>
    public required string Summary { get; init; }

    public DateTime CheckedAt { get; init; }

    public IReadOnlyList<DiagnosisReason> Reasons { get; init; } = [];

    /// <summary>For a waiting run: 1 = the next run the pool's polls would take; null otherwise.</summary>
    public int? QueuePosition { get; init; }

    /// <summary>For a waiting run: when it is expected to start; null when that cannot be known (see <see cref="EstimateReason"/>).</summary>
    public DateTime? EstimatedStartAt { get; init; }

    /// <summary>How the estimate was made, or why there is none (no worker online, a paused pool ...).</summary>
    public string? EstimateReason { get; init; }
}

/// <summary>One reason; <see cref="Code"/> is stable (see <see cref="DiagnosisCodes"/>), the message is for people.</summary>
public sealed record DiagnosisReason(string Code, string Message, JsonObject Data)
{
    /// <summary>True for a reason that keeps the subject from progressing; false for context.</summary>
    public bool Blocking { get; init; } = true;
}

/// <summary>The stable reason codes: scripts and the UI match on these, never on the words.</summary>
public static class DiagnosisCodes
{
    public const string PoolPaused = "pool-paused";
    public const string QueuePaused = "queue-paused";
    public const string NoWorker = "no-worker";
    public const string PoolLimitFull = "pool-limit-full";
    public const string QueueLimitFull = "queue-limit-full";
    public const string DeploymentLimitFull = "deployment-limit-full";
    public const string ScheduledInFuture = "scheduled-in-future";

    /// <summary>An AwaitingRetry run whose next attempt is not due yet.</summary>
    public const string AwaitingRetry = "awaiting-retry";

    /// <summary>An AwaitingRetry run whose last attempt's infrastructure may still run (ended by the lease reaper).</summary>
    public const string InfrastructureHeld = "infrastructure-held";
    public const string WorkerUnhealthy = "worker-unhealthy";
    public const string WorkerDraining = "worker-draining";
    public const string WorkerOffline = "worker-offline";
    public const string AheadInLine = "ahead-in-line";
    public const string AwaitingPoll = "awaiting-poll";
    public const string Claimed = "claimed";
    public const string Running = "running";
    public const string Cancelling = "cancelling";
    public const string Ended = "ended";
    public const string NotPolled = "not-polled";
    public const string Polled = "polled";
    public const string HeartbeatMissed = "heartbeat-missed";
    public const string HeartbeatRecent = "heartbeat-recent";
    public const string Backlog = "backlog";
    public const string Workers = "workers";
}

using System.ComponentModel.DataAnnotations;

namespace Console.Core.Common;

/// <summary>Thresholds of the derived statuses (docs/architecture.md, status rules).</summary>
public sealed class StatusOptions
{
    public const string Section = "Status";

    /// <summary>A worker is Offline once its last heartbeat is older than this many intervals.</summary>
    [Range(1, 100)]
    public int MissedHeartbeatsBeforeOffline { get; set; } = 3;

    /// <summary>A queue is Ready while it was polled within this window.</summary>
    [Range(1, 86_400)]
    public int QueueReadySeconds { get; set; } = 60;

    /// <summary>A Scheduled run is Late once its expected start is this far in the past.</summary>
    [Range(1, 86_400)]
    public int LateAfterSeconds { get; set; } = 15;

    /// <summary>Heartbeat interval assumed for a worker that did not say its own.</summary>
    [Range(1, 3_600)]
    public int DefaultHeartbeatIntervalSeconds { get; set; } = 10;

    /// <summary>
    /// The longest a run ended by the lease reaper keeps its slot while no worker has confirmed its
    /// infrastructure gone (a process pool's child, an engine no worker of the pool can reach any
    /// more); 0 keeps it until a worker confirms.
    /// </summary>
    [Range(0, 7 * 86_400)]
    public int InfrastructureHoldSeconds { get; set; } = 600;

    /// <summary>
    /// How often the heartbeats held in memory are written, in one transaction (the in-memory value
    /// is what every status and view reads meanwhile); a server killed outright loses at most this much.
    /// </summary>
    [Range(10, 10_000)]
    public int HeartbeatFlushMilliseconds { get; set; } = 250;

    /// <summary>
    /// A worker whose waiting long-poll its peer aborted is Offline when nothing more is heard from
    /// it within this grace (a worker that only restarted its poll polls again at once).
    /// </summary>
    [Range(100, 60_000)]
    public int ConnectionLossGraceMilliseconds { get; set; } = 2_000;

    /// <summary>The longest a long-poll may wait.</summary>
    [Range(0, 300)]
    public int MaxPollWaitSeconds { get; set; } = 60;
}

using Console.Contracts.Common;

namespace Console.Core.Workers;

/// <summary>What a heartbeat or a poll says about its worker besides "alive now".</summary>
/// <param name="IntervalSeconds">The worker's heartbeat interval, when it said one.</param>
/// <param name="Queues">The queues it serves, when it said them.</param>
/// <param name="PolledAt">Set by a poll: when it polled.</param>
/// <param name="Health">Set by a heartbeat: whether its infrastructure is usable, and why not.</param>
public sealed record WorkerBeat(
    int? IntervalSeconds = null, IReadOnlyList<string>? Queues = null, DateTime? PolledAt = null, (bool IsHealthy, string? Message)? Health = null)
{
    /// <summary>The worker says this is its last heartbeat (it stopped).</summary>
    public bool Stopped { get; init; }

    /// <summary>The worker says it drains.</summary>
    public bool Draining { get; init; }

    /// <summary>The queues as the worker's row stores them (a JSON array), or null when the beat does not say them.</summary>
    public string? QueuesJson() => Queues is { } queues ? ConsoleJson.Serialize(queues) : null;

    /// <summary>True when this beat leaves every column of the worker's row but its stamps as it is.</summary>
    /// <param name="queuesJson">The queues serialised as the row stores them, or null when not said.</param>
    public bool ChangesNothingOf(PoolWorker worker, string? queuesJson)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return !Stopped && (!Draining || worker.DrainingSince is not null)
            && (IntervalSeconds is null || IntervalSeconds == worker.HeartbeatIntervalSeconds)
            && (queuesJson is null || queuesJson == worker.Queues)
            && (Health is not var (healthy, message) || (healthy == worker.IsHealthy && message == worker.HealthMessage));
    }
}

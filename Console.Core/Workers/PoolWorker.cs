using System.ComponentModel.DataAnnotations.Schema;
using Console.Core.WorkPools;

namespace Console.Core.Workers;

/// <summary>A worker as the server knows it: upserted by heartbeats and polls.</summary>
public sealed class PoolWorker
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid PoolId { get; set; }
    public WorkPool Pool { get; set; } = null!;
    public required string Name { get; set; }
    public DateTime LastHeartbeatAt { get; set; }
    public DateTime? LastPolledAt { get; set; }
    public int HeartbeatIntervalSeconds { get; set; }

    /// <summary>JSON array of the queue names the worker serves; empty means all.</summary>
    public string Queues { get; set; } = "[]";

    /// <summary>False when the worker reports its infrastructure (e.g. the Docker engine) unusable.</summary>
    public bool IsHealthy { get; set; } = true;

    public string? HealthMessage { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Set when the worker was asked to drain (or said it drains); it then claims nothing new.</summary>
    public DateTime? DrainingSince { get; set; }

    /// <summary>
    /// Not stored: this heartbeat or poll brings back a worker this server saw lose its connection
    /// (<see cref="ConnectionLossWatcher"/>); its row still reads Online by the heartbeat rule, so the
    /// event recorder learns of the return here.
    /// </summary>
    [NotMapped]
    public bool ReturnedFromLoss { get; set; }

    /// <summary>A detached copy (<see cref="SteadyBeats"/> hands each heartbeat its own to stamp).</summary>
    internal PoolWorker Copy() => (PoolWorker)MemberwiseClone();
}

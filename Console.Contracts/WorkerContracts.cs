namespace Console.Contracts;

public sealed record WorkerDto
{
    public required string Name { get; init; }
    public required string PoolName { get; init; }
    public WorkerStatus Status { get; init; }
    public DateTime LastHeartbeatAt { get; init; }
    public DateTime? LastPolledAt { get; init; }
    public int HeartbeatIntervalSeconds { get; init; }
    public IReadOnlyList<string> Queues { get; init; } = [];
    public int RunningRuns { get; init; }
    public bool IsHealthy { get; init; } = true;
    public string? HealthMessage { get; init; }

    /// <summary>When the worker was asked to drain (or said it drains); null when it claims as usual.</summary>
    public DateTime? DrainingSince { get; init; }
}

public sealed record HeartbeatRequest
{
    public string? Name { get; init; }
    public int? HeartbeatIntervalSeconds { get; init; }
    public IReadOnlyList<string>? Queues { get; init; }

    /// <summary>False when the worker's infrastructure (e.g. the Docker engine) is unusable.</summary>
    public bool? IsHealthy { get; init; }

    public string? HealthMessage { get; init; }

    /// <summary>
    /// The images the worker's engine holds (tags and digests, at most 1,000; docker workers only), for
    /// preflight's image check; null when the worker does not say. Kept in the server's memory, not saved.
    /// </summary>
    public IReadOnlyList<string>? Images { get; init; }

    /// <summary>True: the worker drains (it was stopped, e.g. SIGTERM): it claims nothing new and exits once its runs end.</summary>
    public bool? Draining { get; init; }

    /// <summary>True: the worker's last word, it has stopped; the server shows it Offline at once.</summary>
    public bool? Stopped { get; init; }
}

/// <summary>
/// The heartbeat's answer when the server has something to tell the worker (otherwise 204 No Content):
/// <c>draining</c> true asks it to claim nothing new, finish its runs and exit.
/// </summary>
public sealed record HeartbeatAnswer
{
    public bool Draining { get; init; }

    public DateTime? DrainingSince { get; init; }
}

/// <summary>What a poll's answer says besides its runs.</summary>
public static class PollAnswerHeaders
{
    /// <summary>
    /// The pool's type and base job template as the claim read them, as an opaque tag, on an answer
    /// with runs: a worker that already holds the template with this tag starts the runs without
    /// fetching the pool again.
    /// </summary>
    public const string PoolTemplate = "Console-Pool-Template";
}

public sealed record PollRequest
{
    public string? WorkerName { get; init; }
    public IReadOnlyList<string>? Queues { get; init; }
    public int? Limit { get; init; }
    public double? WaitSeconds { get; init; }
    public int? HeartbeatIntervalSeconds { get; init; }
}

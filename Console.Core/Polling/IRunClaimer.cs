using System.Collections.ObjectModel;
using Console.Core.FlowRuns;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Console.Core.Workers;

namespace Console.Core.Polling;

/// <summary>What one poll asks for, resolved against the database.</summary>
public sealed record ClaimRequest(string PoolName, string WorkerName, IReadOnlyList<string>? Queues, int Limit, int? HeartbeatIntervalSeconds);

/// <summary>What one poll did: the runs it claimed and what it stamped.</summary>
public sealed record ClaimOutcome(
    WorkPool Pool,
    PoolWorker Worker,
    bool WorkerWasOnline,
    IReadOnlyList<WorkQueue> PolledQueues,
    IReadOnlyList<WorkQueue> QueuesTurnedReady,
    IReadOnlyList<FlowRun> Claimed,
    DateTime? NextDueAt)
{
    /// <summary>The worker is draining: the server refused it runs, and the poll is held like an empty one.</summary>
    public bool Draining { get; init; }

    /// <summary>
    /// The pool's deployments with pull steps or a timeout, by id, as the claim read them: what the
    /// claimed runs' answer adds to each run (<see cref="PollAttempt.AnswerAsync"/>).
    /// </summary>
    public IReadOnlyDictionary<Guid, DeploymentFacts> Deployments { get; init; } = ReadOnlyDictionary<Guid, DeploymentFacts>.Empty;

    /// <summary>The worker's runs that hold a slot once the claim committed; null when the claim read no runs (a limit of 0, a draining or unhealthy worker, no queue to claim from).</summary>
    public int? WorkerRunning { get; init; }
}

/// <summary>What a claimed run's answer takes from its deployment: whether it has pull steps (read for the answer), and its timeout.</summary>
public readonly record struct DeploymentFacts(bool HasPullSteps, int? TimeoutSeconds);

/// <summary>
/// Claims due runs for a worker inside one write transaction: queue priority order, then expected
/// start, honouring paused pools and queues and the pool, queue and deployment concurrency limits.
/// One interface so a PostgreSQL claim (FOR UPDATE SKIP LOCKED) can sit beside SQLite's.
/// </summary>
public interface IRunClaimer
{
    Task<ClaimOutcome> ClaimAsync(ClaimRequest request, CancellationToken ct);
}

using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.Workers;
using Console.Core.WorkQueues;
using Microsoft.Extensions.Options;

namespace Console.Core.Common;

/// <summary>
/// The status rules of docs/architecture.md, computed from timestamps at read time so a read is always
/// right; the foreman job only publishes the moments these answers change. A worker's heartbeat is
/// the newer of its row's and the one this server holds in memory (<see cref="WorkerPresence"/>).
/// </summary>
public sealed class StatusRules(TimeProvider time, IOptions<StatusOptions> options, WorkerPresence? presence = null)
{
    private readonly StatusOptions _options = options.Value;

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public StatusOptions Options => _options;

    /// <summary>Draining while a worker asked to drain lives (it claims nothing new); Offline once it is gone.</summary>
    public WorkerStatus Worker(PoolWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return Worker(worker.Id, worker.LastHeartbeatAt, worker.HeartbeatIntervalSeconds, worker.DrainingSince);
    }

    /// <summary>The status of a worker read as a projection of its row.</summary>
    public WorkerStatus Worker(Guid workerId, DateTime storedHeartbeatAt, int heartbeatIntervalSeconds, DateTime? drainingSince = null) =>
        Liveness(workerId, storedHeartbeatAt, heartbeatIntervalSeconds) switch
        {
            WorkerStatus.Online when drainingSince is not null => WorkerStatus.Draining,
            var status => status,
        };

    /// <summary>Liveness only (a draining worker is alive too).</summary>
    public bool IsAlive(PoolWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return Liveness(worker.Id, worker.LastHeartbeatAt, worker.HeartbeatIntervalSeconds) == WorkerStatus.Online;
    }

    /// <summary>The worker's latest heartbeat (see the class remarks).</summary>
    public DateTime HeartbeatAt(PoolWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return presence?.HeartbeatAt(worker) ?? worker.LastHeartbeatAt;
    }

    public WorkerStatus Worker(DateTime lastHeartbeatAt, int heartbeatIntervalSeconds, DateTime? drainingSince) =>
        Worker(lastHeartbeatAt, heartbeatIntervalSeconds) switch
        {
            WorkerStatus.Online when drainingSince is not null => WorkerStatus.Draining,
            var status => status,
        };

    /// <summary>Liveness with what this server heard in memory: a lost connection, a newer heartbeat.</summary>
    private WorkerStatus Liveness(Guid workerId, DateTime storedHeartbeatAt, int heartbeatIntervalSeconds) =>
        presence is null ? Worker(storedHeartbeatAt, heartbeatIntervalSeconds)
        : presence.IsLost(workerId) ? WorkerStatus.Offline
        : Worker(presence.HeartbeatAt(workerId, storedHeartbeatAt), heartbeatIntervalSeconds);

    /// <summary>Liveness only: Online while heartbeats come (a draining worker is alive too), else Offline.</summary>
    public WorkerStatus Worker(DateTime lastHeartbeatAt, int heartbeatIntervalSeconds)
    {
        var interval = heartbeatIntervalSeconds > 0 ? heartbeatIntervalSeconds : _options.DefaultHeartbeatIntervalSeconds;
        var offlineAfter = TimeSpan.FromSeconds(interval * _options.MissedHeartbeatsBeforeOffline);
        return Now - lastHeartbeatAt < offlineAfter ? WorkerStatus.Online : WorkerStatus.Offline;
    }

    /// <summary>
    /// The heartbeat stamp of a worker that said it stopped: old enough to read Offline from now on,
    /// never later than its real last heartbeat.
    /// </summary>
    public DateTime StoppedHeartbeat(PoolWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var interval = worker.HeartbeatIntervalSeconds > 0 ? worker.HeartbeatIntervalSeconds : _options.DefaultHeartbeatIntervalSeconds;
        var silentSince = Now.AddSeconds(-interval * _options.MissedHeartbeatsBeforeOffline);
        return worker.LastHeartbeatAt < silentSince ? worker.LastHeartbeatAt : silentSince;
    }

    /// <summary>When a worker that is online now will turn offline without another heartbeat.</summary>
    public DateTime WorkerOfflineAt(PoolWorker worker)
    {
        var interval = worker.HeartbeatIntervalSeconds > 0 ? worker.HeartbeatIntervalSeconds : _options.DefaultHeartbeatIntervalSeconds;
        return HeartbeatAt(worker).AddSeconds(interval * _options.MissedHeartbeatsBeforeOffline);
    }

    public QueueStatus Queue(WorkQueue queue, bool poolPaused = false) =>
        queue.IsPaused || poolPaused ? QueueStatus.Paused
        : queue.LastPolledAt is { } polled && Now - polled < TimeSpan.FromSeconds(_options.QueueReadySeconds) ? QueueStatus.Ready
        : QueueStatus.NotReady;

    public static PoolStatus Pool(bool isPaused, bool anyWorkerOnline) =>
        isPaused ? PoolStatus.Paused : anyWorkerOnline ? PoolStatus.Ready : PoolStatus.NotReady;

    public static DeploymentStatus Deployment(QueueStatus queueStatus) =>
        queueStatus == QueueStatus.Ready ? DeploymentStatus.Ready : DeploymentStatus.NotReady;

    /// <summary>A Scheduled run whose start is past the late threshold reads as Late.</summary>
    public FlowRunState RunState(FlowRunState stored, DateTime expectedStartAt) =>
        stored == FlowRunState.Scheduled && expectedStartAt < LateCutoff ? FlowRunState.Late : stored;

    /// <summary>Scheduled runs expected before this instant are Late.</summary>
    public DateTime LateCutoff => Now.AddSeconds(-_options.LateAfterSeconds);
}

using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.Workers;
using Console.Core.WorkQueues;
using Microsoft.Extensions.Options;

namespace Console.Core.Common;

/// <summary>
/// The status rules of docs/architecture.md, computed from timestamps at read time so a read is always
/// right; the foreman job only publishes the moments these answers change.
/// </summary>
public sealed class StatusRules(TimeProvider time, IOptions<StatusOptions> options)
{
    private readonly StatusOptions _options = options.Value;

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public StatusOptions Options => _options;

    /// <summary>Draining while a worker asked to drain lives (it claims nothing new); Offline once it is gone.</summary>
    public WorkerStatus Worker(PoolWorker worker) => Worker(worker.LastHeartbeatAt, worker.HeartbeatIntervalSeconds, worker.DrainingSince);

    public WorkerStatus Worker(DateTime lastHeartbeatAt, int heartbeatIntervalSeconds, DateTime? drainingSince) =>
        Worker(lastHeartbeatAt, heartbeatIntervalSeconds) switch
        {
            WorkerStatus.Online when drainingSince is not null => WorkerStatus.Draining,
            var status => status,
        };

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
        return worker.LastHeartbeatAt.AddSeconds(interval * _options.MissedHeartbeatsBeforeOffline);
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

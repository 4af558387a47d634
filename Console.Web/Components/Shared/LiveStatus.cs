using Console.Contracts;
using Console.Core.Common;

namespace Console.Web.Components.Shared;

/// <summary>
/// Statuses that lapse with time (a queue nobody polls turns Not Ready, a silent worker Offline)
/// computed for display from the same rules the server uses, so the page turns red on the second
/// even before the server's job publishes the transition. Only ever downgrades: good news comes
/// from the change feed.
/// </summary>
public static class LiveStatus
{
    public static WorkQueueDto Queue(WorkQueueDto queue, StatusRules rules)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(rules);
        return queue.Status == QueueStatus.Ready
            && (queue.LastPolledAt is not { } polled || rules.Now - polled >= TimeSpan.FromSeconds(rules.Options.QueueReadySeconds))
            ? queue with { Status = QueueStatus.NotReady }
            : queue;
    }

    public static WorkerDto Worker(WorkerDto worker, StatusRules rules)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(rules);
        return worker.Status != WorkerStatus.Offline
            && rules.Worker(worker.LastHeartbeatAt, worker.HeartbeatIntervalSeconds) == WorkerStatus.Offline
            ? worker with { Status = WorkerStatus.Offline }
            : worker;
    }
}

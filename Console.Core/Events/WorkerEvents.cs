using Console.Contracts.Automations;
using Console.Core.Workers;

namespace Console.Core.Events;

internal static class WorkerEvents
{
    public static ConsoleEvent Online(PoolWorker worker, string pool, DateTime at) => Of(EventTypes.WorkerOnline, worker, pool, at);

    public static ConsoleEvent Offline(PoolWorker worker, string pool, DateTime at) => Of(EventTypes.WorkerOffline, worker, pool, at);

    /// <summary>
    /// One offline occurrence per last heartbeat heard: the lost connection's watcher and the timed
    /// pass (on any replica) name the same absence alike, so it is recorded once.
    /// </summary>
    public static string OfflineKey(PoolWorker worker, DateTime lastHeartbeatAt) =>
        $"worker.offline:{worker.Id}:{lastHeartbeatAt.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static ConsoleEvent Draining(PoolWorker worker, string pool, DateTime at) => Of(EventTypes.WorkerDraining, worker, pool, at);

    private static ConsoleEvent Of(string type, PoolWorker worker, string pool, DateTime at) =>
        EventRecorder.New(type, new(ResourceKinds.Worker, worker.Id.ToString(), worker.Name),
            [new(ResourceKinds.WorkPool, worker.PoolId.ToString(), pool)], new() { ["lastHeartbeatAt"] = worker.LastHeartbeatAt }, at)
        .Also(e => e.PoolName = pool);
}

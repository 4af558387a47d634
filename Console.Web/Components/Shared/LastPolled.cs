using Console.Contracts;
using Console.Contracts.Feed;

namespace Console.Web.Components.Shared;

/// <summary>
/// "Last polled" on every page moves the same way: from the stamps a poll's
/// <see cref="WorkerChanged"/> carries, applied to the shown pool or queues without asking the
/// database again. A stamp only ever moves a time forward (events of two polls may cross).
/// </summary>
public static class LastPolled
{
    /// <summary>The pool with the poll's stamp, or null when the change says nothing newer about it.</summary>
    public static WorkPoolDto? Apply(WorkPoolDto pool, WorkerChanged change)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(change);
        return change.PoolName == pool.Name && change.Polled?.PoolLastPolledAt is { } at && IsNewer(at, pool.LastPolledAt)
            ? pool with { LastPolledAt = at }
            : null;
    }

    /// <summary>Applies the poll's queue stamps to the shown queues; true when any moved.</summary>
    public static bool Apply(List<WorkQueueDto> queues, WorkerChanged change)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(change);
        var moved = false;
        foreach (var stamp in change.Polled?.Queues ?? [])
        {
            var index = queues.FindIndex(q => q.PoolName == change.PoolName && q.Name == stamp.Name);
            if (index >= 0 && stamp.LastPolledAt is { } at && IsNewer(at, queues[index].LastPolledAt))
            {
                queues[index] = queues[index] with { LastPolledAt = at };
                moved = true;
            }
        }

        return moved;
    }

    private static bool IsNewer(DateTime at, DateTime? shown) => shown is not { } s || s < at;
}

using Console.Core.WorkPools;
using Console.Core.WorkQueues;

namespace Console.Core.Polling;

/// <summary>
/// The "last polled" stamps a poll writes on the pool's and the polled queues' rows: the only
/// columns of those rows the claim writes, declared here beside the code that writes them. The
/// write guard reads <see cref="Columns"/>: a worker key may change these and nothing else there.
/// </summary>
public static class PollStamps
{
    /// <summary>
    /// Every worker of a pool polls the same pool and queue rows: stamping them on every poll makes
    /// each claim write (and, on PostgreSQL, row-lock until commit) rows that all other claimers of
    /// the pool also write. Once a second is as fresh as their statuses need (a queue is Ready for
    /// 60 s after a poll); the worker's own row takes every poll.
    /// </summary>
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    /// <summary>The pool and queue columns a poll writes.</summary>
    public static IReadOnlySet<string> Columns { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        nameof(WorkPool.LastPolledAt),
        nameof(WorkQueue.LastPolledAt),
    };

    public static void Stamp(WorkPool pool, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (IsDue(pool.LastPolledAt, now))
        {
            pool.LastPolledAt = now;
        }
    }

    public static void Stamp(WorkQueue queue, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (IsDue(queue.LastPolledAt, now))
        {
            queue.LastPolledAt = now;
        }
    }

    private static bool IsDue(DateTime? last, DateTime now) => last is not { } at || now - at >= Every || now < at;
}

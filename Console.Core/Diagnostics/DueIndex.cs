using Console.Contracts.FlowRuns;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.Polling;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Diagnostics;

/// <summary>
/// A pool's due runs by queue, in due order: how many runs are ahead of one in its queue, by binary
/// search. The wait history words up to hundreds of runs a pass; counting in the database for each
/// (two queries over every due run) made the pass cost grow with the square of a backlog.
/// </summary>
internal sealed class DueIndex
{
    private readonly Dictionary<Guid, DateTime[]> _byQueue;

    private DueIndex(Dictionary<Guid, DateTime[]> byQueue) => _byQueue = byQueue;

    public static async Task<DueIndex> ReadAsync(ConsoleDbContext db, Guid poolId, DateTime now, int holdSeconds, CancellationToken ct)
    {
        var due = await db.FlowRuns.AsNoTracking().Where(r => r.PoolId == poolId)
            .DueBy(now, FlowRunSlots.HeldAfter(now, holdSeconds))
            .Select(r => new { r.QueueId, DueAt = r.State == FlowRunState.AwaitingRetry ? r.NextAttemptAt ?? r.ExpectedStartAt : r.ExpectedStartAt })
            .ToListAsync(ct);
        return new DueIndex(due.GroupBy(r => r.QueueId).ToDictionary(
            g => g.Key,
            g => g.Select(r => r.DueAt).Order().ToArray()));
    }

    /// <summary>The due runs of the queue.</summary>
    public int Count(Guid queueId) => _byQueue.TryGetValue(queueId, out var runs) ? runs.Length : 0;

    /// <summary>The due runs of the queue due strictly before <paramref name="dueAt"/> (a run is never due before itself).</summary>
    public int CountBefore(Guid queueId, DateTime dueAt)
    {
        if (!_byQueue.TryGetValue(queueId, out var runs))
        {
            return 0;
        }

        int lo = 0, hi = runs.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (runs[mid] < dueAt)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

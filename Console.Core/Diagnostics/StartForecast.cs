namespace Console.Core.Diagnostics;

/// <summary>
/// The claim replayed forward in time (docs/architecture.md, "Start estimates"): the pool's waiting
/// runs are taken in the claim's own order (<see cref="Polling.ClaimPolicy"/>: queues in claim order,
/// then due time) whenever the pool, queue and deployment limits leave a slot, and each run taken
/// holds its slot for its deployment's usual runtime. Pure: the diagnosis feeds it the rows, the
/// benchmark (B8) feeds it synthetic ones.
/// </summary>
public static class StartForecast
{
    /// <summary>More events than this and the forecast stops: the run is too far back to tell.</summary>
    public const int MaxEvents = 50_000;

    /// <summary>A queue of the pool, given in claim order. A run of a queue no poll would take (paused, no worker) never starts.</summary>
    public sealed record Lane(Guid Id, int? Limit, bool Claimable);

    /// <summary>A run holding a slot now, until <paramref name="EndsAt"/> (<see cref="DateTime.MaxValue"/>: no end in sight).</summary>
    public sealed record Holder(Guid QueueId, Guid? DeploymentId, DateTime EndsAt);

    /// <summary>
    /// A run that waits: due at <paramref name="DueAt"/>, it holds a slot for <paramref name="Hold"/>
    /// once taken and reports Running <paramref name="Startup"/> after its claim.
    /// </summary>
    public sealed record Waiting(Guid Id, Guid QueueId, Guid? DeploymentId, DateTime DueAt, TimeSpan Hold, TimeSpan Startup);

    /// <summary>When a run is taken: its place in the order runs are taken (1 = next) and when it should be Running.</summary>
    public sealed record Outcome(int Position, DateTime ClaimAt, DateTime StartAt);

    /// <summary>
    /// Replays the claim from <paramref name="now"/> until <paramref name="until"/> is taken (or, when
    /// null, every run that can be). Runs never taken (their queue is not claimable, or the replay ran
    /// out of events) are missing from the answer.
    /// </summary>
    /// <param name="lanes">The pool's queues in claim order.</param>
    /// <param name="waiting">The waiting runs; those of one queue in due order (ties in the given order).</param>
    public static Dictionary<Guid, Outcome> Run(
        int? poolLimit, IReadOnlyList<Lane> lanes, IReadOnlyDictionary<Guid, int> deploymentLimits,
        IEnumerable<Holder> holders, IEnumerable<Waiting> waiting, DateTime now, Guid? until = null)
    {
        ArgumentNullException.ThrowIfNull(lanes);
        ArgumentNullException.ThrowIfNull(deploymentLimits);
        ArgumentNullException.ThrowIfNull(holders);
        ArgumentNullException.ThrowIfNull(waiting);
        var state = new Slots(poolLimit, deploymentLimits);
        foreach (var h in holders)
        {
            state.Take(h.QueueId, h.DeploymentId, h.EndsAt < now ? now : h.EndsAt);
        }

        var byQueue = waiting.GroupBy(w => w.QueueId).ToDictionary(g => g.Key, g => g.OrderBy(w => w.DueAt).ToList());
        var order = lanes.Where(l => l.Claimable && byQueue.ContainsKey(l.Id))
            .Select(l => (Lane: l, Runs: byQueue[l.Id], Taken: new bool[byQueue[l.Id].Count], First: new int[1]))
            .ToList();
        var outcomes = new Dictionary<Guid, Outcome>();
        var t = now;
        for (var events = 0; events < MaxEvents; events++)
        {
            state.Release(t);
            foreach (var (lane, runs, taken, first) in order)
            {
                for (var i = first[0]; i < runs.Count && runs[i].DueAt <= t && state.PoolRoom > 0 && state.QueueRoom(lane) > 0; i++)
                {
                    var run = runs[i];
                    if (taken[i] || state.DeploymentFull(run.DeploymentId))
                    {
                        continue;
                    }

                    taken[i] = true;
                    state.Take(lane.Id, run.DeploymentId, t + run.Hold);
                    outcomes[run.Id] = new Outcome(outcomes.Count + 1, t, t + run.Startup);
                    if (run.Id == until)
                    {
                        return outcomes;
                    }
                }

                while (first[0] < runs.Count && taken[first[0]])
                {
                    first[0]++;
                }
            }

            // Next moment anything can change: a slot frees, or a run falls due.
            DateTime? next = state.NextEnd;
            foreach (var (_, runs, taken, first) in order)
            {
                for (var i = first[0]; i < runs.Count; i++)
                {
                    if (!taken[i] && runs[i].DueAt > t)
                    {
                        next = next is { } n && n <= runs[i].DueAt ? n : runs[i].DueAt;
                        break;
                    }
                }
            }

            if (next is not { } at || at == DateTime.MaxValue || (until is null && outcomes.Count == order.Sum(o => o.Runs.Count)))
            {
                break;
            }

            t = at;
        }

        return outcomes;
    }

    /// <summary>The slots in use during the replay, each freed at its end.</summary>
    private sealed class Slots(int? poolLimit, IReadOnlyDictionary<Guid, int> deploymentLimits)
    {
        private readonly PriorityQueue<(Guid QueueId, Guid? DeploymentId), DateTime> _ends = new();
        private readonly Dictionary<Guid, int> _queue = [];
        private readonly Dictionary<Guid, int> _deployment = [];
        private int _pool;

        public int PoolRoom => poolLimit is { } limit ? limit - _pool : int.MaxValue;

        public DateTime? NextEnd => _ends.TryPeek(out _, out var end) ? end : null;

        public int QueueRoom(Lane lane) => lane.Limit is { } limit ? limit - _queue.GetValueOrDefault(lane.Id) : int.MaxValue;

        public bool DeploymentFull(Guid? id) =>
            id is { } d && deploymentLimits.TryGetValue(d, out var limit) && _deployment.GetValueOrDefault(d) >= limit;

        public void Take(Guid queueId, Guid? deploymentId, DateTime endsAt)
        {
            Count(queueId, deploymentId, 1);
            _ends.Enqueue((queueId, deploymentId), endsAt);
        }

        public void Release(DateTime t)
        {
            while (_ends.TryPeek(out var slot, out var end) && end <= t)
            {
                _ends.Dequeue();
                Count(slot.QueueId, slot.DeploymentId, -1);
            }
        }

        private void Count(Guid queueId, Guid? deploymentId, int delta)
        {
            _pool += delta;
            _queue[queueId] = _queue.GetValueOrDefault(queueId) + delta;
            if (deploymentId is { } d)
            {
                _deployment[d] = _deployment.GetValueOrDefault(d) + delta;
            }
        }
    }
}

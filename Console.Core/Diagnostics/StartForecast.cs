using Console.Core.Polling;
using Console.Core.WorkQueues;

namespace Console.Core.Diagnostics;

/// <summary>
/// The claim replayed forward in time (docs/architecture.md, "Start estimates"): the pool's waiting
/// runs are taken in the claim's own order (<see cref="ClaimPolicy.InFairOrder{T}"/>: queue priority,
/// fair share by weight among queues of one priority, then due time) whenever the pool, queue and deployment limits leave a slot, and each run taken
/// holds its slot for its deployment's usual runtime. Pure: the diagnosis feeds it the rows, the
/// benchmark (B8) feeds it synthetic ones.
/// </summary>
public static class StartForecast
{
    /// <summary>More events than this and the forecast stops: the run is too far back to tell.</summary>
    public const int MaxEvents = 50_000;

    /// <summary>A queue of the pool. A run of a queue no poll would take from (paused, no worker) never starts.</summary>
    public sealed record Lane(WorkQueue Queue, bool Claimable);

    /// <summary>A run holding a slot now, until <paramref name="EndsAt"/> (<see cref="DateTime.MaxValue"/>: no end in sight).</summary>
    public sealed record Holder(Guid QueueId, Guid? DeploymentId, DateTime EndsAt);

    /// <summary>
    /// A run that waits: due at <paramref name="DueAt"/>, it holds a slot for <paramref name="Hold"/>
    /// once taken and reports Running <paramref name="Startup"/> after its claim.
    /// </summary>
    public sealed record Waiting(Guid Id, Guid QueueId, Guid? DeploymentId, DateTime DueAt, TimeSpan Hold, TimeSpan Startup) : IClaimCandidate;

    /// <summary>When a run is taken: its place in the order runs are taken (1 = next) and when it should be Running.</summary>
    public sealed record Outcome(int Position, DateTime ClaimAt, DateTime StartAt);

    /// <summary>
    /// Replays the claim from <paramref name="now"/> until <paramref name="until"/> is taken (or, when
    /// null, every run that can be). Runs never taken (their queue is not claimable, or the replay ran
    /// out of events) are missing from the answer.
    /// </summary>
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

        var byQueue = waiting.GroupBy(w => w.QueueId).ToDictionary(g => g.Key, g => g.OrderBy(w => w.DueAt).ThenBy(w => w.Id).ToList());
        var order = lanes.Where(l => l.Claimable && byQueue.ContainsKey(l.Queue.Id))
            .Select(l => new Line(l.Queue, byQueue[l.Queue.Id]))
            .ToList();
        var queues = order.ToDictionary(l => l.Queue.Id, l => l.Queue);
        var lineOf = order.ToDictionary(l => l.Queue.Id);
        var total = order.Sum(l => l.Runs.Count);
        var outcomes = new Dictionary<Guid, Outcome>();
        var t = now;
        for (var events = 0; events < MaxEvents; events++)
        {
            state.Release(t);
            if (state.PoolRoom > 0)
            {
                // One poll at t: each queue's first due runs (over-fetched as the claim does, for
                // deployment limits to skip), in the claim's own order (ClaimPolicy.InFairOrder).
                var candidates = new List<Waiting>();
                foreach (var line in order)
                {
                    var room = Math.Min(state.PoolRoom, state.QueueRoom(line.Queue));
                    var want = room <= 0 ? 0 : (int)Math.Min((room * 4L) + 16, int.MaxValue);
                    for (var i = line.First; i < line.Runs.Count && want > 0 && line.Runs[i].DueAt <= t; i++)
                    {
                        if (!line.Taken[i])
                        {
                            candidates.Add(line.Runs[i]);
                            want--;
                        }
                    }
                }

                foreach (var run in ClaimPolicy.InFairOrder(candidates, queues, state.QueueActive))
                {
                    var line = lineOf[run.QueueId];
                    if (state.PoolRoom <= 0)
                    {
                        break;
                    }

                    if (state.QueueRoom(line.Queue) <= 0 || state.DeploymentFull(run.DeploymentId))
                    {
                        continue;
                    }

                    line.Taken[line.Runs.IndexOf(run, line.First)] = true;
                    state.Take(run.QueueId, run.DeploymentId, t + run.Hold);
                    outcomes[run.Id] = new Outcome(outcomes.Count + 1, t, t + run.Startup);
                    if (run.Id == until)
                    {
                        return outcomes;
                    }
                }

                foreach (var line in order)
                {
                    while (line.First < line.Runs.Count && line.Taken[line.First])
                    {
                        line.First++;
                    }
                }
            }

            // Next moment anything can change: a slot frees, or a run falls due.
            var next = state.NextEnd;
            foreach (var line in order)
            {
                for (var i = line.First; i < line.Runs.Count; i++)
                {
                    if (!line.Taken[i] && line.Runs[i].DueAt > t)
                    {
                        next = next is { } n && n <= line.Runs[i].DueAt ? n : line.Runs[i].DueAt;
                        break;
                    }
                }
            }

            if (next is not { } at || at == DateTime.MaxValue || (until is null && outcomes.Count == total))
            {
                break;
            }

            t = at;
        }

        return outcomes;
    }

    /// <summary>One queue's waiting runs in due order; <see cref="First"/>: the first not taken yet.</summary>
    private sealed class Line(WorkQueue queue, List<Waiting> runs)
    {
        public WorkQueue Queue { get; } = queue;
        public List<Waiting> Runs { get; } = runs;
        public bool[] Taken { get; } = new bool[runs.Count];
        public int First { get; set; }
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

        public int QueueRoom(WorkQueue queue) => queue.ConcurrencyLimit is { } limit ? limit - QueueActive(queue.Id) : int.MaxValue;

        public int QueueActive(Guid queueId) => _queue.GetValueOrDefault(queueId);

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

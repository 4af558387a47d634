using Console.Contracts.Feed;
using Console.Core.Feed;

namespace Console.Core.Polling;

/// <summary>
/// The long-polls waiting on each pool, woken by one change-feed subscription for all of them.
/// With a subscription per waiting poll, every change ran every waiting poll's handler, and each
/// poll's subscribe and unsubscribe copied the feed's whole handler list: 10,000 workers made
/// 1,300 changes a second (mostly their heartbeats) times 10,000 handlers, and the server fell
/// behind for good. Here a change reaches only the polls of its own pool, and only when it is of a
/// kind that can add work or free a slot; registering and leaving cost the same at any fleet size.
/// </summary>
public sealed class PollWakeups : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<Waiter>> _waiting = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;

    public PollWakeups(IChangeFeed feed)
    {
        ArgumentNullException.ThrowIfNull(feed);
        _subscription = feed.Subscribe(OnChange);
    }

    /// <summary>How many polls wait now, in every pool.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Values.Sum(w => w.Count);
            }
        }
    }

    /// <summary>Calls <paramref name="onChange"/> with the pool's changes that may wake a poll, until disposed.</summary>
    public IDisposable Register(string pool, Action<ChangeEvent> onChange)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(onChange);
        var waiter = new Waiter(this, pool, onChange);
        lock (_lock)
        {
            if (!_waiting.TryGetValue(pool, out var set))
            {
                _waiting[pool] = set = [];
            }

            set.Add(waiter);
        }

        return waiter;
    }

    public void Dispose() => _subscription.Dispose();

    private void OnChange(ChangeEvent change)
    {
        // New, released or ended runs, and the pauses and limits of pools, queues and deployments;
        // each waiting poll decides from what its claim read. Heartbeats and worker changes never wake.
        if (change is not (FlowRunChanged or PoolChanged or QueueChanged or DeploymentChanged) || change.PoolName is not { } pool)
        {
            return;
        }

        lock (_lock)
        {
            if (_waiting.TryGetValue(pool, out var set))
            {
                // The handlers only complete a task whose continuations run elsewhere: quick, and
                // they never come back here.
                foreach (var waiter in set)
                {
                    waiter.OnChange(change);
                }
            }
        }
    }

    private void Leave(Waiter waiter)
    {
        lock (_lock)
        {
            // An empty pool's entry goes with its last poll: polls naming pools that do not exist
            // leave nothing behind.
            if (_waiting.TryGetValue(waiter.Pool, out var set) && set.Remove(waiter) && set.Count == 0)
            {
                _waiting.Remove(waiter.Pool);
            }
        }
    }

    private sealed class Waiter(PollWakeups owner, string pool, Action<ChangeEvent> onChange) : IDisposable
    {
        private int _disposed;

        public string Pool => pool;

        public void OnChange(ChangeEvent change) => onChange(change);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(this);
            }
        }
    }
}

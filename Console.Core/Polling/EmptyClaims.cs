using System.Collections.Concurrent;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;

namespace Console.Core.Polling;

/// <summary>
/// The pools (with the queues polled) whose last claim on this server found nothing to take, a
/// moment ago, with no change since that could make a run claimable. A long-poll of such a pool
/// skips its claim and waits as if it had claimed (<see cref="PollAttempt.SkipClaimAsync"/>): a
/// waiting poll already trusts the change feed to wake it, and this trusts it for one second more.
/// An idle fleet of 10,000 workers re-polls about 333 times a second; each claim was a transaction
/// and a turn at the <see cref="ClaimGate"/>, which held about 10,000 polls at all times and took the
/// CPU the fleet's heartbeats needed (B4).
/// </summary>
/// <remarks>
/// Only a claim that read the pool's runs counts (<see cref="ClaimOutcome.WorkerRunning"/>): one
/// refused to a draining or unhealthy worker says nothing of the pool. A claim whose limit was
/// smaller read less deep, so it vouches only for polls of that limit or smaller.
/// </remarks>
public sealed class EmptyClaims(PollWakeups wakeups, TimeProvider time)
{
    /// <summary>
    /// The pace of the pool's and queues' poll stamps (<see cref="PollStamps"/>): the claim that writes
    /// them still runs about once a second, and what changes with time alone (a run held by a lost
    /// infrastructure's slot letting it go) is seen within a second as well.
    /// </summary>
    internal static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(1);

    /// <summary>Pools times the queue lists their workers poll: a few in practice, bounded against a client naming every subset.</summary>
    private const int MaxEntries = 4_096;

    private readonly ConcurrentDictionary<(string Pool, string Queues), Found> _found = new();

    /// <summary>An empty claim, with what a skipped one answers in its place.</summary>
    /// <param name="Pool">The pool as that claim read and stamped it; read only from then on, by every poll it spares.</param>
    public sealed record Found(long Changes, DateTimeOffset At, int Limit, WorkPool Pool, IReadOnlyList<WorkQueue> Polled, DateTime? NextDueAt);

    /// <summary>What a claim about to start notes first, for <see cref="Record"/>: changes during the claim void what it finds.</summary>
    public long Mark(string pool) => wakeups.Changes(pool);

    public void Record(ClaimRequest request, long mark, ClaimOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outcome);
        var key = Key(request);
        // The name the feed counts changes under is the pool's own (Mark and Lookup read it by the poll's).
        if (outcome.Claimed.Count > 0 || outcome.WorkerRunning is null || !string.Equals(request.PoolName, outcome.Pool.Name, StringComparison.Ordinal))
        {
            _found.TryRemove(key, out _);
            return;
        }

        var now = time.GetUtcNow();
        if (_found.Count >= MaxEntries)
        {
            foreach (var (stale, found) in _found)
            {
                if (now - found.At >= FreshFor)
                {
                    _found.TryRemove(stale, out _);
                }
            }
        }

        if (_found.Count < MaxEntries || _found.ContainsKey(key))
        {
            _found[key] = new Found(mark, now, request.Limit, outcome.Pool, outcome.PolledQueues, outcome.NextDueAt);
        }
    }

    /// <summary>The empty claim a long-poll may answer with instead of its own; null: it claims.</summary>
    public Found? Lookup(ClaimRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit == 0 || !_found.TryGetValue(Key(request), out var found))
        {
            return null;
        }

        var now = time.GetUtcNow();
        return found.Changes == wakeups.Changes(request.PoolName) && now - found.At < FreshFor && now >= found.At
            && request.Limit <= found.Limit && (found.NextDueAt is not { } due || due > now.UtcDateTime)
            ? found
            : null;
    }

    /// <summary>The queue names as the poll sent them: a worker sends the same list every time.</summary>
    private static (string, string) Key(ClaimRequest request) =>
        (request.PoolName, request.Queues is { Count: > 0 } queues ? string.Join('\n', queues) : string.Empty);
}

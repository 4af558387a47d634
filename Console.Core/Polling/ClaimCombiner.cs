namespace Console.Core.Polling;

/// <summary>
/// Puts the polls that wait for SQLite's one writer into one transaction. While one claim holds the
/// write lock, the polls that arrive queue here; when it ends, the first of them leads: it claims for
/// every poll queued (up to <see cref="MaxBatch"/>, in arrival order) in one transaction of its own
/// request, then hands the lead to the next poll still queued. A transaction's fixed costs (BEGIN,
/// the pool's read, COMMIT, the wait for the next thread) are paid once for all of them, and under a
/// fleet's load those costs, not the runs taken, set how many polls a second the one writer serves.
/// A poll that finds nothing running leads at once, alone: an idle console claims as before.
/// </summary>
/// <param name="maxBatch">The most polls one transaction claims for: it holds the write lock meanwhile.</param>
public sealed class ClaimCombiner(int maxBatch = ClaimCombiner.DefaultMaxBatch)
{
    public const int DefaultMaxBatch = 10;

    private readonly Lock _sync = new();
    private readonly Queue<ClaimTurn> _waiting = new();
    private bool _leading;

    public int MaxBatch { get; } = maxBatch > 0 ? maxBatch : throw new ArgumentOutOfRangeException(nameof(maxBatch));

    /// <summary>
    /// Claims for <paramref name="request"/>: in a transaction another poll leads, or leading one.
    /// <paramref name="claimTogether"/> is the caller's own (its request's database context): given
    /// the queued polls, it must end each of them (<see cref="ClaimTurn.Complete"/> or <see cref="ClaimTurn.Fail"/>).
    /// </summary>
    public async Task<ClaimOutcome> ClaimAsync(ClaimRequest request, Func<IReadOnlyList<ClaimTurn>, Task> claimTogether, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(claimTogether);
        ct.ThrowIfCancellationRequested();
        var mine = new ClaimTurn(request, ct);
        bool lead;
        lock (_sync)
        {
            _waiting.Enqueue(mine);
            lead = !_leading;
            _leading = true;
        }

        if (!lead)
        {
            // Not cancellable: a poll given the lead must take it, or the polls behind it would wait forever.
            await Task.WhenAny(mine.Outcome, mine.LeadGiven);
            if (mine.Outcome.IsCompleted)
            {
                return await mine.Outcome;
            }
        }

        try
        {
            // More than MaxBatch may be queued ahead of this poll: lead until its own claim is done.
            while (!mine.Outcome.IsCompleted)
            {
                List<ClaimTurn> batch;
                lock (_sync)
                {
                    batch = new List<ClaimTurn>(Math.Min(_waiting.Count, MaxBatch));
                    while (batch.Count < MaxBatch && _waiting.TryDequeue(out var turn))
                    {
                        batch.Add(turn);
                    }
                }

                await RunAsync(batch, claimTogether);
            }
        }
        finally
        {
            lock (_sync)
            {
                if (_waiting.TryPeek(out var next))
                {
                    next.GiveLead();
                }
                else
                {
                    _leading = false;
                }
            }
        }

        return await mine.Outcome;
    }

    private static async Task RunAsync(List<ClaimTurn> batch, Func<IReadOnlyList<ClaimTurn>, Task> claimTogether)
    {
        try
        {
            await claimTogether(batch);
        }
#pragma warning disable CA1031 // Not swallowed: every poll of the batch gets it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var turn in batch)
            {
                turn.Fail(ex);
            }
        }

        foreach (var turn in batch.Where(t => !t.IsDone))
        {
            turn.Fail(new InvalidOperationException("The claim ended without an answer for this poll."));
        }
    }
}

/// <summary>One poll queued for a claim (<see cref="ClaimCombiner"/>).</summary>
public sealed class ClaimTurn(ClaimRequest request, CancellationToken ct)
{
    private readonly TaskCompletionSource<ClaimOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _lead = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClaimRequest Request => request;

    /// <summary>The poll's own: a poll its client gave up is not claimed for.</summary>
    public CancellationToken Cancellation => ct;

    public bool IsDone => _outcome.Task.IsCompleted;

    internal Task<ClaimOutcome> Outcome => _outcome.Task;

    internal Task LeadGiven => _lead.Task;

    /// <summary>Answers the poll; a poll already answered keeps its first answer.</summary>
    public void Complete(ClaimOutcome outcome) => _outcome.TrySetResult(outcome);

    public void Fail(Exception error) => _outcome.TrySetException(error);

    internal void GiveLead() => _lead.TrySetResult();
}

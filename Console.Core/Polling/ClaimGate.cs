namespace Console.Core.Polling;

/// <summary>
/// How many claims this process runs at once. SQLite has one writer: one claim at a time, and
/// waiting here beats busy-retrying on the lock. PostgreSQL takes several at once, but a claim
/// holds a pooled connection for its whole transaction: past the width, polls wait here (holding
/// nothing) instead of exhausting the connection pool under a fleet's load (B4). Registered with
/// the claimer it serves (<see cref="ClaimRegistration"/>).
/// </summary>
/// <param name="singleWriter">The database has one writer (SQLite): other writes queue here too (<see cref="RunWriteAsync"/>).</param>
public sealed class ClaimGate(int width = 1, bool singleWriter = true) : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(width, width);
    private int _waiting;

    /// <summary>
    /// How many claims and writes wait for their turn now (<c>console_claim_gate_waiting</c>). Under
    /// a fleet larger than the database and the server's CPU can serve, this is where the fleet's
    /// requests pile up: 17,800 of them at 10,000 workers on PostgreSQL on two shared cores.
    /// </summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>A free turn is taken at once, uncounted; only a request that must wait is counted. A cancelled one takes none.</summary>
    public Task WaitAsync(CancellationToken ct) =>
        ct.IsCancellationRequested ? Task.FromCanceled(ct)
        : _semaphore.Wait(0, CancellationToken.None) ? Task.CompletedTask
        : WaitCountedAsync(ct);

    private async Task WaitCountedAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _semaphore.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    public void Release() => _semaphore.Release();

    /// <summary>Runs <paramref name="work"/> once its turn comes (the wait honours <paramref name="ct"/>), and lets the next one in however it ends.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        await WaitAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            _semaphore.Release();
        }
    }

    public Task RunAsync(Func<Task> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(async () =>
        {
            await work();
            return true;
        }, ct);
    }

    /// <summary>
    /// A poll's claim with its scope (<see cref="PollService"/>). With several writers (PostgreSQL) it
    /// takes its turn here before the scope is made, so the polls waiting for one hold no database
    /// context. With one writer it runs at once: the SQLite claimer queues the polls itself and
    /// takes the turn for the ones it combines.
    /// </summary>
    public Task<T> RunClaimAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        return singleWriter ? work() : RunAsync(work, ct);
    }

    /// <summary>
    /// A write that is not a claim, made by a loop that runs one at a time (the heartbeat flush, a
    /// batch of new workers). With one writer it takes its turn here, instead of spinning on the
    /// database's lock. Otherwise it runs at once: it holds one connection, and behind the thousands
    /// of polls a fleet queues here it waited for every one of them (B4, 10,000 workers on PostgreSQL).
    /// </summary>
    public Task<T> RunWriteAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        return singleWriter ? RunAsync(work, ct) : work();
    }

    public Task RunWriteAsync(Func<Task> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        return singleWriter ? RunAsync(work, ct) : work();
    }

    public void Dispose() => _semaphore.Dispose();
}

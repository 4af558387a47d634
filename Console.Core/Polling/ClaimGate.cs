namespace Console.Core.Polling;

/// <summary>
/// How many claims this process runs at once. SQLite has one writer: one claim at a time, and
/// waiting here beats busy-retrying on the lock. PostgreSQL takes several at once, but a claim
/// holds a pooled connection for its whole transaction: past the width, polls wait here (holding
/// nothing) instead of exhausting the connection pool under a fleet's load (B4). Registered with
/// the claimer it serves (<see cref="ClaimRegistration"/>).
/// </summary>
public sealed class ClaimGate(int width = 1) : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(width, width);

    public Task WaitAsync(CancellationToken ct) => _semaphore.WaitAsync(ct);

    public void Release() => _semaphore.Release();

    /// <summary>Runs <paramref name="work"/> once its turn comes (the wait honours <paramref name="ct"/>), and lets the next one in however it ends.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _semaphore.WaitAsync(ct);
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

    public void Dispose() => _semaphore.Dispose();
}

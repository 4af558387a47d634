using Microsoft.Extensions.Options;

namespace Console.Worker.Hosting;

/// <summary>
/// The worker's drain, shared by the processor (it stops claiming), the run supervisor (it stops
/// runs once the drain timeout is over) and the host (a second stop request stops at once).
/// </summary>
public sealed class WorkerDrain(TimeProvider time, IOptions<WorkerOptions> options) : IDisposable
{
    private readonly CancellationTokenSource _timedOut = new();
    private readonly CancellationTokenSource _now = new();
    private int _began;

    public bool IsDraining => Volatile.Read(ref _began) == 1;

    public DateTimeOffset? Since { get; private set; }

    public TimeSpan Timeout => TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds);

    /// <summary>Cancelled when the drain timeout is over: runs still going are stopped.</summary>
    public CancellationToken TimedOut => _timedOut.Token;

    /// <summary>Cancelled on a second stop request (or the host's shutdown timeout): stop without waiting.</summary>
    public CancellationToken Immediate => _now.Token;

    /// <returns>True for the call that began the drain.</returns>
    public bool Begin()
    {
        if (Interlocked.Exchange(ref _began, 1) == 1)
        {
            return false;
        }

        Since = time.GetUtcNow();
        return true;
    }

    public void Expire() => _timedOut.Cancel();

    public void StopNow()
    {
        try
        {
            _now.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // a signal that came after the worker was gone
        }
    }

    /// <summary>True once the drain timeout is over; false when <paramref name="cancellationToken"/> ends first.</summary>
    public async Task<bool> WhenTimedOutAsync(CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var timedOut = _timedOut.Token.Register(() => result.TrySetResult(true));
        await using var ended = cancellationToken.Register(() => result.TrySetResult(false));
        return await result.Task;
    }

    public void Dispose()
    {
        _timedOut.Dispose();
        _now.Dispose();
    }
}

namespace Console.Web.Components.Observability;

/// <summary>
/// Turns a burst of change-feed events into at most one refresh per <c>interval</c> (one second by
/// default): the first event refreshes at once, later ones within the interval fold into a single
/// refresh at its end. <see cref="Request"/> is safe from any thread (the feed calls it on the writer's).
/// </summary>
public sealed class RefreshThrottle(Func<Task> refresh, TimeProvider time, TimeSpan? interval = null) : IDisposable
{
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private int _scheduled;
    private long _lastTicks = DateTimeOffset.MinValue.UtcTicks;

    public void Request()
    {
        if (_stop.IsCancellationRequested || Interlocked.Exchange(ref _scheduled, 1) == 1)
        {
            return;
        }

        _ = RunAsync();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            var wait = new DateTimeOffset(Interlocked.Read(ref _lastTicks), TimeSpan.Zero) + _interval - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, _stop.Token);
            }

            // Events from here on schedule the next refresh.
            Volatile.Write(ref _scheduled, 0);
            Interlocked.Exchange(ref _lastTicks, time.GetUtcNow().UtcTicks);
            await refresh();
        }
        catch (OperationCanceledException)
        {
            // Disposed while waiting: the component is gone.
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the wait.
        }
    }
}

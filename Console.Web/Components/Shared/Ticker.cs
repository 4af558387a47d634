namespace Console.Web.Components.Shared;

/// <summary>
/// One once-a-second clock per circuit for relative times ("4 s ago"). It only re-renders what is
/// on screen and never queries anything: live data comes from the change feed.
/// </summary>
public sealed class Ticker(TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private event Action? TickHandlers;

    public TimeProvider Time { get; } = time;

    public DateTime UtcNow => Time.GetUtcNow().UtcDateTime;

    public IDisposable Subscribe(Action onTick)
    {
        lock (_gate)
        {
            TickHandlers += onTick;
            _timer ??= Time.CreateTimer(_ => TickHandlers?.Invoke(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }

        return new Subscription(this, onTick);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            TickHandlers = null;
        }
    }

    private void Unsubscribe(Action onTick)
    {
        lock (_gate)
        {
            TickHandlers -= onTick;
            if (TickHandlers is null)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }
    }

    private sealed class Subscription(Ticker ticker, Action onTick) : IDisposable
    {
        public void Dispose() => ticker.Unsubscribe(onTick);
    }
}

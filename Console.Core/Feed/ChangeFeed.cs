using System.Collections.Immutable;
using Console.Contracts.Feed;
using Microsoft.Extensions.Logging;

namespace Console.Core.Feed;

/// <summary>
/// The in-process change feed: every write publishes a typed event; the UI, the hub and waiting
/// long-polls subscribe. Handlers run synchronously on the publisher's thread, so they must be
/// quick and hand real work off (Blazor through InvokeAsync, the hub through its own queue).
/// </summary>
public interface IChangeFeed
{
    IDisposable Subscribe(Action<ChangeEvent> handler);

    void Publish(ChangeEvent change);
}

public sealed partial class ChangeFeed(ILogger<ChangeFeed> logger) : IChangeFeed
{
    private ImmutableArray<Action<ChangeEvent>> _handlers = [];

    public IDisposable Subscribe(Action<ChangeEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ImmutableInterlocked.Update(ref _handlers, static (list, h) => list.Add(h), handler);
        return new Subscription(this, handler);
    }

    public void Publish(ChangeEvent change)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                handler(change);
            }
#pragma warning disable CA1031 // One failing subscriber must never break the write that published.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogHandlerFailed(logger, ex, change.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A change feed subscriber failed on {Change}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception ex, string change);

    private sealed class Subscription(ChangeFeed feed, Action<ChangeEvent> handler) : IDisposable
    {
        public void Dispose() =>
            ImmutableInterlocked.Update(ref feed._handlers, static (list, h) => list.Remove(h), handler);
    }
}

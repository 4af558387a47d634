using System.Text.Json;
using System.Threading.Channels;
using Console.Contracts.Feed;
using Console.Core.Feed;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Console.Web.ScaleOut;

/// <summary>
/// Carries the change feed between replicas over one Redis channel: every event published on this
/// replica goes out, every event from another replica is republished into the local feed (so
/// pages, the hub forwarder and waiting long-polls here see it). Redis is a convenience, never a
/// dependency of a write: while it is down events stay local, a warning says so, and the relay
/// keeps reconnecting; once it is back, a <see cref="FeedResync"/> tells this replica's pages and
/// hub clients to reload what they show.
/// </summary>
public sealed partial class RedisFeedRelay(
    IChangeFeed feed, FeedOrigins origins, RedisEndpoint redis, IOptions<ScaleOutOptions> options,
    TimeProvider time, ILogger<RedisFeedRelay> logger) : BackgroundService
{
    private readonly Channel<ChangeEvent> _outgoing = Channel.CreateBounded<ChangeEvent>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly string _channelName = $"{options.Value.ChannelPrefix}:feed";
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionMultiplexer? _redis;
    private int _unavailable;
    private int _lost;

    /// <summary>Completes once this replica listens on the channel (tests wait for it; so could a health check).</summary>
    public Task Subscribed => _subscribed.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Subscribed first, so nothing written while Redis connects is lost to the others once it answers.
        using var local = feed.Subscribe(change =>
        {
            if (!origins.IsRemote(change) && change is not FeedResync)
            {
                _outgoing.Writer.TryWrite(change);
            }
        });
        var sending = SendLoopAsync(stoppingToken);
        await ConnectAsync(stoppingToken);
        await sending;
    }

    public override void Dispose()
    {
        _redis?.Dispose();
        base.Dispose();
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        var warned = false;
        var maxDelay = TimeSpan.FromSeconds(options.Value.MaxReconnectDelaySeconds);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                _redis ??= await ConnectMultiplexerAsync();
                var queue = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(_channelName));
                // One ordered queue: a run's Running must never overtake its Pending on another replica.
                queue.OnMessage(Receive);
                LogListening(logger, _channelName);
                _subscribed.TrySetResult();
                if (warned)
                {
                    // Redis came late: what the others published before it answered never arrived.
                    feed.Publish(new FeedResync());
                }

                return;
            }
#pragma warning disable CA1031 // Any failure to reach Redis means the same: stay local and try again later.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                // A warning for the first failed attempt; the retries only say it again.
                var reason = Describe(ex);
                if (!warned)
                {
                    LogRedisUnavailable(logger, reason);
                    warned = true;
                }

                LogRetrying(logger, reason, delay.TotalSeconds);
            }

            await Task.Delay(delay, time, ct);
            delay = delay * 2 < maxDelay ? delay * 2 : maxDelay;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectMultiplexerAsync()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration());
        // Once connected, the multiplexer itself reconnects and restores the subscription.
        // Both of its connections (commands, subscriptions) report, and every failed retry too: say it once.
        connection.ConnectionFailed += (_, e) =>
        {
            if (Interlocked.Exchange(ref _lost, 1) == 0)
            {
                LogConnectionLost(logger, e.FailureType.ToString());
            }
        };
        connection.ConnectionRestored += (_, e) =>
        {
            if (Interlocked.Exchange(ref _lost, 0) == 1)
            {
                LogConnectionRestored(logger);
            }

            // The subscription is back: what the others published meanwhile never reached this
            // replica, so its pages and hub clients reload instead of waiting for the next event.
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                feed.Publish(new FeedResync());
            }
        };
        return connection;
    }

    private async Task SendLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var change in _outgoing.Reader.ReadAllAsync(ct))
            {
                await SendAsync(change);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: events not yet sent stay local, like during an outage.
        }
    }

    private async Task SendAsync(ChangeEvent change)
    {
        // While Redis is down, waiting on its backlog would only delay the events after this one.
        if (_redis is not { IsConnected: true } connection)
        {
            NoteUnavailable("not connected");
            return;
        }

        try
        {
            var payload = FeedMessageCodec.Serialize(new FeedMessage(origins.ReplicaId, change));
            await connection.GetSubscriber().PublishAsync(RedisChannel.Literal(_channelName), payload);
            if (Interlocked.Exchange(ref _unavailable, 0) == 1)
            {
                LogSendingAgain(logger);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            var reason = Describe(ex);
            NoteUnavailable(reason);
        }
    }

    /// <summary>Short: the client's messages run to a screenful of counters.</summary>
    private static string Describe(Exception ex) =>
        ex is RedisConnectionException connection ? $"{connection.FailureType}" : ex.GetType().Name;

    private void NoteUnavailable(string reason)
    {
        // One warning per outage, not one per event.
        if (Interlocked.Exchange(ref _unavailable, 1) == 0)
        {
            LogSendFailed(logger, reason);
        }
    }

    private void Receive(ChannelMessage message)
    {
        FeedMessage received;
        try
        {
            received = FeedMessageCodec.Deserialize(message.Message.ToString());
        }
        catch (JsonException ex)
        {
            // A replica of another version during a rolling upgrade, or a stranger on the channel.
            LogUnreadable(logger, ex.Message);
            return;
        }

        if (received.Origin == origins.ReplicaId)
        {
            return;
        }

        origins.MarkRemote(received.Change, received.Origin);
        feed.Publish(received.Change);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Change feed shared with the other replicas on Redis channel {Channel}")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unavailable ({Reason}): changes stay on this replica until it answers; retrying in the background")]
    private static partial void LogRedisUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Redis still unavailable ({Reason}); next attempt in {Seconds} s")]
    private static partial void LogRetrying(ILogger logger, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the Redis connection ({Failure}): changes stay on this replica until it is back")]
    private static partial void LogConnectionLost(ILogger logger, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection restored: the change feed is shared again")]
    private static partial void LogConnectionRestored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send changes to the other replicas ({Reason}); they stay on this replica until Redis answers")]
    private static partial void LogSendFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sending changes to the other replicas again")]
    private static partial void LogSendingAgain(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an unreadable message on the change feed channel: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}

using System.Threading.Channels;
using Console.Contracts.Feed;
using Console.Core.Feed;
using Console.Web.ScaleOut;
using Microsoft.AspNetCore.SignalR;

namespace Console.Web.Live;

/// <summary>
/// Forwards the change feed to the hub's groups. The feed calls back synchronously on the writer's
/// thread, so events go through a channel and one loop sends them in order.
/// </summary>
/// <remarks>
/// Scaled out (ConnectionStrings:Redis), the hub runs on SignalR's Redis backplane and the feed
/// also carries events relayed from other replicas. Each event reaches the hub exactly once by
/// being forwarded only on the replica where it happened: the backplane delivers that one send to
/// the group's members on every replica. The other way round (every replica forwards everything,
/// no backplane) was rejected: it would leave hub groups and sends to a connection local to one
/// replica, and would break the day anything other than this forwarder sends through the hub.
/// </remarks>
public sealed partial class LiveForwarder(IChangeFeed feed, FeedOrigins origins, IHubContext<LiveHub> hub, ILogger<LiveForwarder> logger) : BackgroundService
{
    private readonly Channel<ChangeEvent> _events = Channel.CreateBounded<ChangeEvent>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = feed.Subscribe(change =>
        {
            if (!origins.IsRemote(change))
            {
                _events.Writer.TryWrite(change);
            }
        });
        var failing = false;
        await foreach (var change in _events.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendAsync(change, stoppingToken);
                failing = false;
            }
#pragma warning disable CA1031 // A failed send must not stop forwarding of later events.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                // One warning per run of failures (e.g. the backplane's Redis is down), not one per event.
                if (!failing)
                {
                    LogSendFailed(logger, ex, change.GetType().Name);
                }

                failing = true;
            }
        }
    }

    private Task SendAsync(ChangeEvent change, CancellationToken ct)
    {
        var pool = change.PoolName is null ? null : hub.Clients.Group(LiveHub.PoolGroup(change.PoolName));
        return change switch
        {
            PoolChanged e => pool!.SendAsync("PoolChanged", e.Pool, ct),
            QueueChanged e => pool!.SendAsync("QueueChanged", e.Queue, ct),
            WorkerChanged e => pool!.SendAsync("WorkerChanged", e.Worker, ct),
            DeploymentChanged e => pool!.SendAsync("DeploymentChanged", e.Deployment, ct),
            FlowRunChanged e => hub.Clients.Groups(LiveHub.PoolGroup(e.FlowRun.WorkPoolName), LiveHub.RunGroup(e.FlowRun.Id))
                .SendAsync("FlowRunChanged", e.FlowRun, ct),
            EventRecorded e => (e.Pool is null ? hub.Clients.Group(LiveHub.EventsGroup) : hub.Clients.Groups(LiveHub.EventsGroup, LiveHub.PoolGroup(e.Pool)))
                .SendAsync("Event", e.Event, ct),
            LogLinesAdded e => hub.Clients.Group(LiveHub.RunGroup(e.FlowRunId)).SendAsync("LogLines", e.FlowRunId, e.Lines, ct),
            // Every replica that saw the gap says so; a client reloading twice loses nothing.
            FeedResync => hub.Clients.All.SendAsync("Resync", ct),
            _ => Task.CompletedTask,
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not forward {Change} to the live hub; later failures are not logged until a send succeeds")]
    private static partial void LogSendFailed(ILogger logger, Exception ex, string change);
}

using Microsoft.AspNetCore.SignalR;

namespace Console.Web.Live;

/// <summary>
/// The live hub for outside clients (the CLI's watch commands, dashboards): one group per pool and
/// per flow run, and one for the event stream. Events: PoolChanged, QueueChanged, WorkerChanged,
/// DeploymentChanged, FlowRunChanged, LogLines, and Event (to a pool's group and to WatchEvents).
/// </summary>
public sealed class LiveHub : Hub
{
    public const string Path = "/hubs/live";

    public static string PoolGroup(string pool) => $"pool:{pool}";

    public static string RunGroup(Guid id) => $"run:{id}";

    public const string EventsGroup = "events";

    public Task JoinPool(string pool) => Groups.AddToGroupAsync(Context.ConnectionId, PoolGroup(pool));

    public Task LeavePool(string pool) => Groups.RemoveFromGroupAsync(Context.ConnectionId, PoolGroup(pool));

    public Task WatchFlowRun(Guid id) => Groups.AddToGroupAsync(Context.ConnectionId, RunGroup(id));

    public Task UnwatchFlowRun(Guid id) => Groups.RemoveFromGroupAsync(Context.ConnectionId, RunGroup(id));

    /// <summary>Every recorded event, as <c>Event(e)</c> (what <c>cx events --follow</c> shows).</summary>
    public Task WatchEvents() => Groups.AddToGroupAsync(Context.ConnectionId, EventsGroup);

    public Task UnwatchEvents() => Groups.RemoveFromGroupAsync(Context.ConnectionId, EventsGroup);
}

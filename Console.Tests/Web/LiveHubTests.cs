using System.Net;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Web;

/// <summary>The live hub as an outside client sees it: SignalR's .NET client over real HTTP.</summary>
public sealed class LiveHubTests : IClassFixture<ConsoleServer>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ConsoleServer _server;
    private readonly HttpClient _http;
    private HubConnection _hub = default!;

    public LiveHubTests(ConsoleServer server)
    {
        _server = server;
        _http = server.CreateHttpClient();
    }

    public async Task InitializeAsync()
    {
        _hub = new HubConnectionBuilder()
            .WithUrl($"{_server.BaseUrl}/hubs/live")
            .AddJsonProtocol(o => ConsoleJson.Configure(o.PayloadSerializerOptions))
            .Build();
        await _hub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task A_heartbeat_over_REST_arrives_as_WorkerChanged()
    {
        var pool = await CreatePoolAsync();
        var changed = new TaskCompletionSource<WorkerDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var on = _hub.On<WorkerDto>("WorkerChanged", worker =>
        {
            if (worker.PoolName == pool)
            {
                changed.TrySetResult(worker);
            }
        });
        await _hub.InvokeAsync("JoinPool", pool);

        var response = await _http.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat", new { name = "hub-worker", heartbeatIntervalSeconds = 7 });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        var worker = await changed.Task.WaitAsync(Timeout);
        Assert.Equal("hub-worker", worker.Name);
        Assert.Equal(WorkerStatus.Online, worker.Status);
        Assert.Equal(7, worker.HeartbeatIntervalSeconds);
    }

    [Fact]
    public async Task A_poll_turns_the_default_queue_ready_for_pool_members_only()
    {
        var pool = await CreatePoolAsync();
        var other = await CreatePoolAsync();
        var ready = new TaskCompletionSource<WorkQueueDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        var leaked = false;
        using var on = _hub.On<WorkQueueDto>("QueueChanged", queue =>
        {
            if (queue.PoolName == other)
            {
                leaked = true;
            }

            if (queue.PoolName == pool && queue.Status == QueueStatus.Ready)
            {
                ready.TrySetResult(queue);
            }
        });
        await _hub.InvokeAsync("JoinPool", pool);

        await _http.PostJsonAsync($"/api/work-pools/{other}/poll", new { workerName = "elsewhere" });
        var response = await _http.PostJsonAsync($"/api/work-pools/{pool}/poll", new { workerName = "poller" });
        response.EnsureSuccessStatusCode();

        var queue = await ready.Task.WaitAsync(Timeout);
        Assert.Equal("default", queue.Name);
        Assert.False(leaked, "the hub sent another pool's queue to a client that joined only this pool");
    }

    private async Task<string> CreatePoolAsync()
    {
        var name = "hub-" + Guid.NewGuid().ToString("N")[..12];
        var response = await _http.PostJsonAsync("/api/work-pools", new { name, type = "process" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }
}

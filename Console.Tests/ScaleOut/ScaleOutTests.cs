using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Feed;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.ScaleOut;

/// <summary>
/// Two replicas behind one imaginary load balancer: whatever replica a worker, a client or a
/// browser talks to, it sees one console.
/// </summary>
public sealed class ScaleOutTests(ReplicaPair replicas) : IClassFixture<ReplicaPair>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _a = replicas.A.CreateHttpClient();
    private readonly HttpClient _b = replicas.B.CreateHttpClient();

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task Twenty_workers_on_two_replicas_claim_every_run_exactly_once()
    {
        const int runCount = 60;
        var pool = ConsoleApi.UniqueName("replicas");
        await _a.CreatePoolAsync(pool);
        var deployment = await _b.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("flow"), "claims");

        var claims = new ConcurrentQueue<(Guid Run, string Worker)>();
        var allClaimed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 20)
            .Select(i => WorkAsync(i < 10 ? _a : _b, pool, $"worker-{(i < 10 ? 'a' : 'b')}{i}", claims, runCount, allClaimed, stop.Token))
            .ToList();

        // Runs arrive through both replicas while the workers wait in long-polls on both.
        var created = new List<Guid>();
        for (var i = 0; i < runCount; i++)
        {
            created.Add((await (i % 2 == 0 ? _a : _b).CreateRunAsync(deployment.Id)).Id);
        }

        await allClaimed.Task.WaitAsync(Timeout);
        await stop.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(Timeout);

        var claimed = claims.ToList();
        Assert.Equal(runCount, claimed.Count);
        Assert.Equal(created.Order(), claimed.Select(c => c.Run).Order());
        Assert.Contains(claimed, c => c.Worker.StartsWith("worker-a", StringComparison.Ordinal));
        Assert.Contains(claimed, c => c.Worker.StartsWith("worker-b", StringComparison.Ordinal));
        var runs = await _b.GetFromJson<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}&limit=200");
        var byId = runs.ToDictionary(r => r.Id);
        Assert.All(claimed, c => Assert.Equal((FlowRunState.Pending, c.Worker), (byId[c.Run].State, byId[c.Run].WorkerName)));
    }

    [Fact]
    public async Task A_long_poll_waiting_on_A_is_woken_by_a_run_created_through_B()
    {
        var pool = ConsoleApi.UniqueName("wake");
        await _a.CreatePoolAsync(pool);
        var deployment = await _a.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("flow"), "wake");

        // A poll publishes its worker after it subscribed to the feed and before it waits.
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var feed = replicas.A.Services.GetRequiredService<IChangeFeed>().Subscribe(change =>
        {
            if (change is WorkerChanged { Worker.Name: "sleeper" } e && e.Worker.PoolName == pool)
            {
                waiting.TrySetResult();
            }
        });

        // The longest wait there is, so only a wake-up can bring the run before the bound below.
        var poll = PollAsync(_a, pool, "sleeper", limit: 1, waitSeconds: 60, CancellationToken.None);
        await waiting.Task.WaitAsync(Timeout);
        var run = await _b.CreateRunAsync(deployment.Id);

        var claimed = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(run.Id, Assert.Single(claimed).Id);
    }

    [Fact]
    public async Task A_poll_on_B_arrives_once_as_WorkerChanged_at_a_hub_client_of_A()
    {
        var pool = ConsoleApi.UniqueName("hub");
        await _a.CreatePoolAsync(pool);
        await using var hub = new HubConnectionBuilder()
            .WithUrl($"{replicas.A.BaseUrl}/hubs/live")
            .AddJsonProtocol(o => ConsoleJson.Configure(o.PayloadSerializerOptions))
            .Build();
        var seen = new ConcurrentQueue<WorkerDto>();
        var polled = new TaskCompletionSource<WorkerDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        var barrier = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var on = hub.On<WorkerDto>("WorkerChanged", worker =>
        {
            seen.Enqueue(worker);
            if (worker.Name == "remote-worker")
            {
                polled.TrySetResult(worker);
            }
            else if (worker.Name == "barrier")
            {
                barrier.TrySetResult();
            }
        });
        await hub.StartAsync();
        await hub.InvokeAsync("JoinPool", pool);

        // Replica A's own feed hears the poll too; waiting for that puts it ahead of the barrier below.
        var relayed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var feed = replicas.A.Services.GetRequiredService<IChangeFeed>().Subscribe(change =>
        {
            if (change is WorkerChanged { Worker.Name: "remote-worker" } e && e.Worker.PoolName == pool)
            {
                relayed.TrySetResult();
            }
        });
        await _b.PollAsync(pool, "remote-worker");

        var worker = await polled.Task.WaitAsync(Timeout);
        Assert.Equal((pool, WorkerStatus.Online), (worker.PoolName, worker.Status));
        Assert.NotNull(worker.LastPolledAt);

        // A forwards its own events in order: once the barrier made on A arrives, any copy of the
        // relayed poll that A might have sent would have arrived before it.
        await relayed.Task.WaitAsync(Timeout);
        await _a.HeartbeatAsync(pool, "barrier");
        await barrier.Task.WaitAsync(Timeout);
        Assert.Single(seen, w => w.Name == "remote-worker");
    }

    [Fact]
    public async Task A_worker_beating_on_B_hears_of_a_drain_asked_on_A_in_its_next_heartbeat()
    {
        // B answers the worker's steady heartbeats from what it read last; A's drain reaches B
        // through Redis and drops that, so B's next answer says it (not a minute later).
        var pool = ConsoleApi.UniqueName("drain");
        await _a.CreatePoolAsync(pool);
        for (var i = 0; i < 3; i++)
        {
            await _b.HeartbeatAsync(pool, "w1", intervalSeconds: 10);
        }

        var relayed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var feed = replicas.B.Services.GetRequiredService<IChangeFeed>().Subscribe(change =>
        {
            if (change is WorkerChanged { Worker: { Name: "w1", DrainingSince: not null } } e && e.Worker.PoolName == pool)
            {
                relayed.TrySetResult();
            }
        });
        using (var drain = await _a.PostAsJsonAsync($"/api/work-pools/{pool}/workers/w1/drain", new { }, ConsoleJson.Options))
        {
            Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        }

        await relayed.Task.WaitAsync(Timeout);
        using var beat = await _b.PostAsJsonAsync($"/api/work-pools/{pool}/workers/heartbeat",
            new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 }, ConsoleJson.Options);
        Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
        Assert.True((await beat.ReadAsync<HeartbeatAnswer>()).Draining);
    }

    private static async Task WorkAsync(
        HttpClient replica, string pool, string worker, ConcurrentQueue<(Guid, string)> claims, int total,
        TaskCompletionSource allClaimed, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var run in await PollAsync(replica, pool, worker, limit: 1, waitSeconds: 10, stop))
                {
                    claims.Enqueue((run.Id, worker));
                }

                if (claims.Count >= total)
                {
                    allClaimed.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Every run is claimed: this worker's last long-poll was called off.
        }
    }

    private static async Task<IReadOnlyList<FlowRunDto>> PollAsync(HttpClient replica, string pool, string worker, int limit, double waitSeconds, CancellationToken ct)
    {
        using var response = await replica.PostAsJsonAsync($"/api/work-pools/{pool}/poll",
            new PollRequest { WorkerName = worker, Limit = limit, WaitSeconds = waitSeconds }, ConsoleJson.Options, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<List<FlowRunDto>>();
    }
}

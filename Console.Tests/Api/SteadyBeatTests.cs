using System.Collections.Concurrent;
using System.Net;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Tests.Automations;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>
/// A steady heartbeat answered from what the last one read (<see cref="SteadyBeats"/>): each test
/// beats three times first (the worker's row written, then read and kept, then used), so the answers
/// after it come from memory unless a change dropped the kept row. What the worker hears and what
/// the console shows must be what a read of the database would give.
/// </summary>
public abstract class SteadyBeatTests(ApiFactory factory) : ApiTestBase(factory)
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time = factory.Time!;
    private readonly IServiceProvider _services = factory.Services;

    [Fact]
    public async Task A_drain_asked_between_steady_heartbeats_is_heard_in_the_next_one()
    {
        var pool = await CreatePoolAsync();
        await BeatSteadilyAsync(pool.Name, "w1");

        var drained = await Client.SendAsync<WorkerDto>(HttpMethod.Post, $"/api/work-pools/{pool.Name}/workers/w1/drain", null, HttpStatusCode.OK);

        using var beat = await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 });
        Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
        var answer = await beat.ReadAsync<HeartbeatAnswer>();
        Assert.Equal((true, drained.DrainingSince), (answer.Draining, answer.DrainingSince));
    }

    [Fact]
    public async Task A_worker_that_stopped_after_steady_heartbeats_comes_back_Online_with_its_event()
    {
        var pool = await CreatePoolAsync();
        await BeatSteadilyAsync(pool.Name, "w1");

        Assert.Equal(HttpStatusCode.NoContent, (await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10, Stopped = true })).StatusCode);
        Assert.Equal(WorkerStatus.Offline, (await Worker(pool.Name, "w1")).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 })).StatusCode);
        Assert.Equal(WorkerStatus.Online, (await Worker(pool.Name, "w1")).Status);
        Assert.Equal(2, (await Client.EventsAsync($"?type={EventTypes.WorkerOnline}&pool={pool.Name}")).Count);
    }

    [Fact]
    public async Task The_running_count_a_steady_heartbeat_shows_follows_claims_a_run_given_back_and_the_end_of_a_run()
    {
        var pool = await CreatePoolAsync();
        var run = await RunAsync((await CreateDeploymentAsync(pool.Name)).Id);
        var shown = new ConcurrentQueue<WorkerDto>();
        using var feed = _services.GetRequiredService<IChangeFeed>().Subscribe(change =>
        {
            if (change is WorkerChanged { Polled: null, Worker: { Name: "w1" } worker } && worker.PoolName == pool.Name)
            {
                shown.Enqueue(worker);
            }
        });
        await BeatSteadilyAsync(pool.Name, "w1");
        Assert.Equal(0, shown.Last().RunningRuns);

        Assert.Equal(run.Id, Assert.Single(await PollAsync(pool.Name, "w1", limit: 1, wait: 0)).Id);
        Assert.Equal(1, await RunningShownByNextBeatAsync());

        // Given back: the run no longer names its worker, and the worker's count goes down all the same.
        await Client.SetStateAsync(run.Id, FlowRunState.Scheduled);
        Assert.Equal(0, await RunningShownByNextBeatAsync());

        Assert.Equal(run.Id, Assert.Single(await PollAsync(pool.Name, "w1", limit: 1, wait: 0)).Id);
        Assert.Equal(1, await RunningShownByNextBeatAsync());
        await Client.SetStateAsync(run.Id, FlowRunState.Running);
        await Client.SetStateAsync(run.Id, FlowRunState.Completed, exitCode: 0);
        Assert.Equal(0, await RunningShownByNextBeatAsync());

        async Task<int> RunningShownByNextBeatAsync()
        {
            Assert.Equal(HttpStatusCode.NoContent, (await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 })).StatusCode);
            return shown.Last().RunningRuns;
        }
    }

    [Fact]
    public async Task A_drain_written_where_this_server_cannot_hear_of_it_reaches_the_worker_within_a_minute()
    {
        // Another replica without Redis: its write reaches this one's database, not its change feed.
        var pool = await CreatePoolAsync();
        await BeatSteadilyAsync(pool.Name, "w1");
        var since = _time.GetUtcNow().UtcDateTime;
        using (var scope = _services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            Assert.Equal(1, await db.Workers.Where(w => w.Pool.Name == pool.Name && w.Name == "w1")
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.DrainingSince, since)));
        }

        var waited = TimeSpan.Zero;
        while (true)
        {
            using var beat = await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 });
            if (beat.StatusCode == HttpStatusCode.OK)
            {
                Assert.True((await beat.ReadAsync<HeartbeatAnswer>()).Draining);
                break;
            }

            Assert.Equal(HttpStatusCode.NoContent, beat.StatusCode);
            Assert.True(waited < SteadyBeats.MaxAge, $"still not draining after {waited}");
            _time.Advance(TimeSpan.FromSeconds(10));
            waited += TimeSpan.FromSeconds(10);
        }

        // The kept row was used until it aged (else the first heartbeat would have read the drain).
        Assert.True(waited > TimeSpan.Zero);
    }

    /// <summary>The worker's first heartbeat writes its row, the second reads and keeps it, the third is answered from it.</summary>
    private async Task BeatSteadilyAsync(string pool, string worker)
    {
        for (var i = 0; i < 3; i++)
        {
            using var beat = await HeartbeatAsync(pool, new HeartbeatRequest { Name = worker, HeartbeatIntervalSeconds = 10 });
            Assert.Equal(HttpStatusCode.NoContent, beat.StatusCode);
        }

        Assert.Equal(WorkerStatus.Online, (await Worker(pool, worker)).Status);
    }
}

public sealed class SqliteSteadyBeatTests(StatusRuleTests.FakeClockApi factory) : SteadyBeatTests(factory), IClassFixture<StatusRuleTests.FakeClockApi>;

public sealed class PostgresSteadyBeatTests(StatusRuleTests.PostgresFakeClockApi factory) : SteadyBeatTests(factory), IClassFixture<StatusRuleTests.PostgresFakeClockApi>;

using System.Net;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Tests.Automations;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

/// <summary>The server side of a drain (docs/workers.md), on a fake clock: status, claims, heartbeat answers, exit.</summary>
public sealed class WorkerDrainApiTests(StatusRuleTests.FakeClockApi factory) : ApiTestBase(factory), IClassFixture<StatusRuleTests.FakeClockApi>
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time = factory.Time!;

    [Fact]
    public async Task A_drained_worker_reads_Draining_hears_it_in_its_heartbeat_gets_no_runs_and_leaves_its_pool_not_Ready()
    {
        var pool = await CreatePoolAsync();
        var run = await RunAsync((await CreateDeploymentAsync(pool.Name)).Id);
        Assert.Equal(HttpStatusCode.NoContent, (await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 })).StatusCode);

        var drained = await Client.SendAsync<WorkerDto>(HttpMethod.Post, $"/api/work-pools/{pool.Name}/workers/w1/drain", null, HttpStatusCode.OK);
        Assert.Equal(WorkerStatus.Draining, drained.Status);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, drained.DrainingSince);
        var again = await Client.SendAsync<WorkerDto>(HttpMethod.Post, $"/api/work-pools/{pool.Name}/workers/w1/drain", null, HttpStatusCode.OK);
        Assert.Equal(drained.DrainingSince, again.DrainingSince); // idempotent

        using (var beat = await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 }))
        {
            Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
            var answer = await beat.ReadAsync<HeartbeatAnswer>();
            Assert.Equal((true, drained.DrainingSince), (answer.Draining, answer.DrainingSince));
        }

        Assert.Empty(await PollAsync(pool.Name, "w1", limit: 10, wait: 0));
        Assert.Equal(FlowRunState.Scheduled, (await Client.GetRunAsync(run.Id)).State);
        Assert.Equal(PoolStatus.NotReady, (await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}")).Status);
        Assert.Equal(WorkerStatus.Draining, (await Worker(pool.Name, "w1")).Status);
        using (var forget = await Client.DeleteAsync(new Uri($"/api/work-pools/{pool.Name}/workers/w1", UriKind.Relative)))
        {
            await AssertProblemAsync(forget, HttpStatusCode.Conflict);
        }

        var diagnosis = await GetAsync<DiagnosisDto>($"/api/work-pools/{pool.Name}/workers/w1/diagnosis");
        Assert.Equal("Draining", diagnosis.Status);
        Assert.Contains(diagnosis.Reasons, r => r.Code == DiagnosisCodes.WorkerDraining);
        var events = await Client.EventsAsync($"?type={EventTypes.WorkerDraining}&pool={pool.Name}");
        Assert.Equal("w1", Assert.Single(events).Resource.Name);

        // Another worker of the pool claims as usual.
        Assert.Equal(run.Id, Assert.Single(await PollAsync(pool.Name, "w2", limit: 10, wait: 0)).Id);
    }

    [Fact]
    public async Task A_worker_drained_in_one_pool_still_claims_in_another_under_the_same_name()
    {
        // A poll reads its worker's row with its pool: the row of that pool, never the namesake's of another.
        var drainedPool = await CreatePoolAsync();
        var otherPool = await CreatePoolAsync();
        var held = await RunAsync((await CreateDeploymentAsync(drainedPool.Name)).Id);
        var other = await RunAsync((await CreateDeploymentAsync(otherPool.Name)).Id);
        foreach (var pool in new[] { drainedPool, otherPool })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 })).StatusCode);
        }

        await Client.SendAsync<WorkerDto>(HttpMethod.Post, $"/api/work-pools/{drainedPool.Name}/workers/w1/drain", null, HttpStatusCode.OK);

        Assert.Equal(other.Id, Assert.Single(await PollAsync(otherPool.Name, "w1", limit: 10, wait: 0)).Id);
        Assert.Empty(await PollAsync(drainedPool.Name, "w1", limit: 10, wait: 0));
        Assert.Equal(FlowRunState.Scheduled, (await Client.GetRunAsync(held.Id)).State);
        Assert.Equal(WorkerStatus.Online, (await Worker(otherPool.Name, "w1")).Status);
    }

    [Fact]
    public async Task A_worker_that_says_it_drains_then_that_it_stopped_is_Offline_at_once_and_claims_again_when_it_comes_back()
    {
        var pool = await CreatePoolAsync();
        var run = await RunAsync((await CreateDeploymentAsync(pool.Name)).Id);
        using (var draining = await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10, Draining = true }))
        {
            Assert.True((await draining.ReadAsync<HeartbeatAnswer>()).Draining);
        }

        Assert.Equal(WorkerStatus.Draining, (await Worker(pool.Name, "w1")).Status);
        Assert.Empty(await PollAsync(pool.Name, "w1", limit: 10, wait: 0));

        Assert.Equal(HttpStatusCode.NoContent, (await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10, Stopped = true })).StatusCode);
        var stopped = await Worker(pool.Name, "w1"); // no clock advance: Offline at once
        Assert.Equal((WorkerStatus.Offline, (DateTime?)null), (stopped.Status, stopped.DrainingSince));
        await AssertDrainStatusAsync(pool.Name, "w1", HttpStatusCode.Conflict);

        // Started again: a new life, it claims.
        Assert.Equal(HttpStatusCode.NoContent, (await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 })).StatusCode);
        Assert.Equal(WorkerStatus.Online, (await Worker(pool.Name, "w1")).Status);
        Assert.Equal(run.Id, Assert.Single(await PollAsync(pool.Name, "w1", limit: 10, wait: 0)).Id);
    }

    [Fact]
    public async Task A_drain_left_by_a_worker_that_died_ends_once_it_was_seen_Offline()
    {
        var pool = await CreatePoolAsync();
        var run = await RunAsync((await CreateDeploymentAsync(pool.Name)).Id);
        await HeartbeatAsync(pool.Name, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 });
        await Client.SendAsync<WorkerDto>(HttpMethod.Post, $"/api/work-pools/{pool.Name}/workers/w1/drain", null, HttpStatusCode.OK);

        _time.Advance(TimeSpan.FromSeconds(31)); // SIGKILLed: three heartbeats missed
        Assert.Equal(WorkerStatus.Offline, (await Worker(pool.Name, "w1")).Status);

        Assert.Equal(run.Id, Assert.Single(await PollAsync(pool.Name, "w1", limit: 10, wait: 0)).Id);
        var back = await Worker(pool.Name, "w1");
        Assert.Equal((WorkerStatus.Online, (DateTime?)null), (back.Status, back.DrainingSince));
    }

    [Fact]
    public async Task Draining_an_unknown_worker_is_404_and_a_bad_name_400()
    {
        var pool = await CreatePoolAsync();
        await AssertDrainStatusAsync(pool.Name, "nobody", HttpStatusCode.NotFound);
        await AssertDrainStatusAsync(pool.Name, "Bad_Name!", HttpStatusCode.BadRequest);
        await AssertDrainStatusAsync(Unique("no-pool"), "w1", HttpStatusCode.NotFound);
    }

    private async Task AssertDrainStatusAsync(string pool, string worker, HttpStatusCode status)
    {
        using var response = await Client.PostJsonAsync($"/api/work-pools/{pool}/workers/{Uri.EscapeDataString(worker)}/drain", new { });
        await AssertProblemAsync(response, status);
    }
}

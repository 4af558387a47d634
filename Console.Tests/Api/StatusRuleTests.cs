using System.Net;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

/// <summary>The health rules with a fake clock: statuses are derived from timestamps, no sleeping.</summary>
public abstract class StatusRuleTests : ApiTestBase
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time;

    protected StatusRuleTests(ApiFactory factory)
        : base(factory)
    {
        _time = factory.Time!;
    }

    [Fact]
    public async Task Queue_turns_ready_on_a_poll_and_not_ready_60_seconds_later()
    {
        var pool = await CreatePoolAsync();
        Assert.Equal(QueueStatus.NotReady, (await Queue(pool.Name)).Status);

        await PollAsync(pool.Name, "w1");
        Assert.Equal(QueueStatus.Ready, (await Queue(pool.Name)).Status);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(QueueStatus.Ready, (await Queue(pool.Name)).Status);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(QueueStatus.NotReady, (await Queue(pool.Name)).Status);
    }

    [Fact]
    public async Task Worker_goes_offline_after_three_missed_heartbeats_and_the_pool_with_it()
    {
        var pool = await CreatePoolAsync();
        var beat = await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/workers/heartbeat",
            new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 });
        Assert.Equal(HttpStatusCode.NoContent, beat.StatusCode);

        Assert.Equal(WorkerStatus.Online, (await Worker(pool.Name)).Status);
        Assert.Equal(PoolStatus.Ready, (await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}")).Status);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(WorkerStatus.Online, (await Worker(pool.Name)).Status);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(WorkerStatus.Offline, (await Worker(pool.Name)).Status);
        Assert.Equal(PoolStatus.NotReady, (await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}")).Status);
    }

    [Fact]
    public async Task An_online_worker_cannot_be_forgotten_an_offline_one_can_and_an_unknown_one_is_404()
    {
        var pool = await CreatePoolAsync();
        await PollAsync(pool.Name, "w1");

        await AssertProblemAsync(await Client.DeleteAsync($"/api/work-pools/{pool.Name}/workers/w1"), HttpStatusCode.Conflict);
        Assert.Single(await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers"));

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/work-pools/{pool.Name}/workers/w1")).StatusCode);
        Assert.Empty(await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers"));
        await AssertProblemAsync(await Client.DeleteAsync($"/api/work-pools/{pool.Name}/workers/w1"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Pool_is_ready_only_with_an_online_worker_and_paused_wins()
    {
        var pool = await CreatePoolAsync();
        Assert.Equal(PoolStatus.NotReady, (await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}")).Status);
        await PollAsync(pool.Name, "w1");
        Assert.Equal(PoolStatus.Ready, (await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}")).Status);
        await Client.PostAsync($"/api/work-pools/{pool.Name}/pause", null);
        Assert.Equal(PoolStatus.Paused, (await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}")).Status);
        Assert.Equal(QueueStatus.Paused, (await Queue(pool.Name)).Status);
    }

    [Fact]
    public async Task A_scheduled_run_is_late_15_seconds_after_its_start()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id);
        Assert.Equal(FlowRunState.Scheduled, run.State);

        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(FlowRunState.Scheduled, (await GetAsync<FlowRunDto>($"/api/flow-runs/{run.Id}")).State);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(FlowRunState.Late, (await GetAsync<FlowRunDto>($"/api/flow-runs/{run.Id}")).State);

        var queue = await Queue(pool.Name);
        Assert.Equal((1, 1), (queue.ScheduledRuns, queue.LateRuns));
        var late = await GetAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool.Name}&state=Late");
        Assert.Equal(run.Id, Assert.Single(late).Id);
        Assert.Empty(await GetAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool.Name}&state=Scheduled"));

        // A late run is still claimable, and then it is no longer late.
        var claimed = await PollAsync(pool.Name, "w1");
        Assert.Equal(FlowRunState.Pending, Assert.Single(claimed).State);
    }

    [Fact]
    public async Task A_run_scheduled_in_the_future_is_not_claimed_before_its_time()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name);
        var start = _time.GetUtcNow().UtcDateTime.AddMinutes(5);
        await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = start });

        Assert.Empty(await PollAsync(pool.Name, "w1"));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(await PollAsync(pool.Name, "w1"));
    }

    private async Task<WorkQueueDto> Queue(string pool) => await GetAsync<WorkQueueDto>($"/api/work-pools/{pool}/queues/default");

    private async Task<WorkerDto> Worker(string pool) => Assert.Single(await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool}/workers"));

    public sealed class FakeClockApi() : ApiFactory(fakeTime: true);

    public sealed class PostgresFakeClockApi() : PostgresApiFactory(fakeTime: true);
}

public sealed class SqliteStatusRuleTests(StatusRuleTests.FakeClockApi factory) : StatusRuleTests(factory), IClassFixture<StatusRuleTests.FakeClockApi>;

public sealed class PostgresStatusRuleTests(StatusRuleTests.PostgresFakeClockApi factory) : StatusRuleTests(factory), IClassFixture<StatusRuleTests.PostgresFakeClockApi>;

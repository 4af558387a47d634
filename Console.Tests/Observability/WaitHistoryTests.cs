using System.Net;
using Console.Contracts;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Core.Diagnostics;
using Console.Tests.Api;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Observability;

/// <summary>
/// The wait history (GET /api/flow-runs/{id}/waits) recorded by the foreman's pass where a run's
/// reasons change, and the estimate's answer when nothing can be known; set up through REST with a
/// fake clock so the intervals have exact lengths.
/// </summary>
public sealed class WaitHistoryTests : ApiTestBase, IClassFixture<WaitHistoryTests.ClockApi>
{
    private readonly FakeTimeProvider _time;

    public WaitHistoryTests(ClockApi factory)
        : base(factory)
    {
        _time = factory.Time!;
    }

    [Fact]
    public async Task A_run_that_waited_for_a_paused_queue_then_a_full_pool_limit_lists_both_intervals_in_order()
    {
        var pool = (await CreatePoolAsync(limit: 1)).Name;
        Assert.Equal(HttpStatusCode.Created, (await Client.PostJsonAsync($"/api/work-pools/{pool}/queues", new CreateWorkQueueRequest { Name = "other" })).StatusCode);
        var deployment = await CreateDeploymentAsync(pool);
        var blocker = await CreateDeploymentAsync(pool, queue: "other");
        await PollAsync(pool, "w-all", limit: 0);
        await PollAsync(pool, "w-other", limit: 0, queues: ["other"]);
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/work-pools/{pool}/queues/default/pause", null)).StatusCode);
        var run = await RunAsync(deployment.Id);
        var pausedAt = _time.GetUtcNow().UtcDateTime;

        // 1. 60 s with its queue paused (passes in between change nothing).
        Assert.Equal(1, await RecordAsync());
        _time.Advance(TimeSpan.FromSeconds(30));
        await HeartbeatsAsync(pool);
        Assert.Equal(0, await RecordAsync());
        _time.Advance(TimeSpan.FromSeconds(30));
        await HeartbeatsAsync(pool);

        // 2. The other queue's run takes the pool's only slot, then the queue is resumed: 45 s for the slot.
        var holder = await RunAsync(blocker.Id);
        Assert.Equal([holder.Id], (await PollAsync(pool, "w-other", limit: 1, queues: ["other"])).Select(r => r.Id));
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/work-pools/{pool}/queues/default/resume", null)).StatusCode);
        var resumedAt = _time.GetUtcNow().UtcDateTime;
        Assert.Equal(1, await RecordAsync());
        var waiting = await WaitsAsync(run.Id);
        Assert.Equal([pausedAt, resumedAt], waiting.Select(w => w.From));
        Assert.Null(waiting[1].To);

        _time.Advance(TimeSpan.FromSeconds(45));
        await HeartbeatsAsync(pool);
        await Client.SetStateAsync(holder.Id, FlowRunState.Running);
        await Client.SetStateAsync(holder.Id, FlowRunState.Completed, exitCode: 0);
        var claimed = Assert.Single(await PollAsync(pool, "w-all", limit: 1));
        Assert.Equal(run.Id, claimed.Id);

        // Read before the next pass: the open interval ends with the claim already.
        var waits = await WaitsAsync(run.Id);
        Assert.Equal(2, waits.Count);
        Assert.Equal([DiagnosisCodes.QueuePaused], waits[0].Codes);
        Assert.Equal(["Work queue 'default' is paused: its runs wait until it is resumed."], waits[0].Reasons);
        Assert.Equal((pausedAt, resumedAt), (waits[0].From, waits[0].To!.Value));
        Assert.Equal([DiagnosisCodes.PoolLimitFull], waits[1].Codes);
        Assert.StartsWith($"Work pool '{pool}' concurrency limit is full: 1 of 1 slots in use, held by '{holder.Name}'", waits[1].Reasons[0], StringComparison.Ordinal);
        var claimedAt = (await Client.HistoryAsync(run.Id)).Single(h => h.State == FlowRunState.Pending).Timestamp;
        Assert.Equal((resumedAt, (DateTime?)claimedAt), (waits[1].From, waits[1].To));
        Assert.All(waits, w => Assert.Equal(1, w.Attempt));
        Assert.Equal("waited 1 min 45 s: 1 min queue paused, 45 s for a slot of the pool limit", WaitText.Summary(waits, _time.GetUtcNow().UtcDateTime));

        // The pass after the claim stores the end; nothing new is opened.
        Assert.Equal(0, await RecordAsync());
        static string Text(IEnumerable<FlowRunWaitDto> list) => string.Join("; ", list.Select(w => $"{w.From:O}-{w.To:O} {string.Join(",", w.Codes)} {string.Join(" ", w.Reasons)}"));
        Assert.Equal(Text(waits), Text(await WaitsAsync(run.Id)));
    }

    [Fact]
    public async Task Without_an_online_worker_the_estimate_is_null_with_the_reason_and_the_place_in_line_is_kept()
    {
        var pool = (await CreatePoolAsync(limit: 1)).Name;
        var deployment = await CreateDeploymentAsync(pool);
        var first = await RunAsync(deployment.Id);
        var second = await RunAsync(deployment.Id);

        var diagnosis = await GetAsync<DiagnosisDto>($"/api/flow-runs/{second.Id}/diagnosis");

        Assert.Null(diagnosis.EstimatedStartAt);
        Assert.Equal(2, diagnosis.QueuePosition);
        Assert.StartsWith($"Unknown until this changes: No online worker serves queue 'default' of pool '{pool}'.", diagnosis.EstimateReason, StringComparison.Ordinal);
        Assert.Equal("start time unknown (2nd in line)", WaitText.Estimate(diagnosis, diagnosis.CheckedAt));
        Assert.Equal(1, (await GetAsync<DiagnosisDto>($"/api/flow-runs/{first.Id}/diagnosis")).QueuePosition);

        // A worker comes online: without any history each run is assumed to hold its slot 60 s.
        await PollAsync(pool, "w1", limit: 0);
        var now = _time.GetUtcNow().UtcDateTime;
        diagnosis = await GetAsync<DiagnosisDto>($"/api/flow-runs/{second.Id}/diagnosis");
        Assert.Equal(now.AddSeconds(60), diagnosis.EstimatedStartAt);
        Assert.Contains("no completed run yet: 1 min assumed", diagnosis.EstimateReason, StringComparison.Ordinal);
        Assert.Equal("expected in about 1 min, 2nd in line", WaitText.Estimate(diagnosis, diagnosis.CheckedAt));
    }

    [Fact]
    public async Task A_pass_over_many_runs_words_each_place_in_line_as_the_run_own_diagnosis_does()
    {
        // Two queues of one priority share claims by weight; the default queue (priority 1) goes first.
        var pool = (await CreatePoolAsync()).Name;
        Assert.Equal(HttpStatusCode.Created, (await Client.PostJsonAsync($"/api/work-pools/{pool}/queues", new CreateWorkQueueRequest { Name = "light", Priority = 2 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Client.PostJsonAsync($"/api/work-pools/{pool}/queues", new CreateWorkQueueRequest { Name = "heavy", Priority = 2, Weight = 3 })).StatusCode);
        var deployments = new[] { await CreateDeploymentAsync(pool, queue: "light"), await CreateDeploymentAsync(pool), await CreateDeploymentAsync(pool, queue: "heavy") };
        var runs = new List<FlowRunDto>();
        for (var i = 0; i < 9; i++)
        {
            runs.Add(await RunAsync(deployments[i % 3].Id));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Online, never claiming: nothing but the line keeps the runs waiting.
        // One run is first in line (the default queue's oldest): nothing blocks it, so it has no interval.
        await PollAsync(pool, "w1", limit: 0);
        Assert.Equal(8, await RecordAsync());
        foreach (var run in runs)
        {
            var diagnosis = await GetAsync<DiagnosisDto>($"/api/flow-runs/{run.Id}/diagnosis");
            var alone = diagnosis.Reasons.Where(r => r.Blocking).Select(r => r.Message).ToList();
            var recorded = await WaitsAsync(run.Id);
            Assert.Equal(alone, recorded.SelectMany(w => w.Reasons));
        }

        // The class's tests share one database: leave nothing waiting for their passes.
        foreach (var run in runs)
        {
            Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/flow-runs/{run.Id}/cancel", null)).StatusCode);
        }

        await RecordAsync();
    }

    [Fact]
    public async Task Waits_of_an_unknown_run_are_404_and_a_run_that_never_waited_has_none()
    {
        await AssertProblemAsync(await Client.GetAsync($"/api/flow-runs/{Guid.NewGuid()}/waits"), HttpStatusCode.NotFound);
        var pool = (await CreatePoolAsync()).Name;
        var run = await RunAsync((await CreateDeploymentAsync(pool)).Id);
        Assert.Single(await PollAsync(pool, "w1", limit: 1));
        await RecordAsync();
        Assert.Empty(await WaitsAsync(run.Id));
    }

    private Task<int> RecordAsync() => RunJobAsync<WaitHistory, int>(w => w.RecordAsync());

    private Task<List<FlowRunWaitDto>> WaitsAsync(Guid run) => GetAsync<List<FlowRunWaitDto>>($"/api/flow-runs/{run}/waits");

    /// <summary>The fake clock moved: both workers heartbeat so they stay online.</summary>
    private async Task HeartbeatsAsync(string pool)
    {
        await PollAsync(pool, "w-all", limit: 0);
        await PollAsync(pool, "w-other", limit: 0, queues: ["other"]);
    }

    public sealed class ClockApi : ApiFactory
    {
        public ClockApi()
            : base(fakeTime: true)
        {
        }
    }
}

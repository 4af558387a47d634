using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Tests.Api;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Observability;

/// <summary>Every diagnosis reason, each set up for real through REST, with a fake clock for the numbers.</summary>
public sealed class DiagnosisApiTests : ApiTestBase, IClassFixture<DiagnosisApiTests.ClockApi>
{
    private readonly FakeTimeProvider _time;

    public DiagnosisApiTests(ClockApi factory)
        : base(factory)
    {
        _time = factory.Time!;
    }

    [Fact]
    public async Task Paused_pool_is_named_as_the_reason()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        await PollAsync(pool, "w1");
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/work-pools/{pool}/pause", null)).StatusCode);
        var run = await RunAsync(deployment.Id);

        var diagnosis = await DiagnoseAsync(run.Id);

        Assert.Equal("flow-run", diagnosis.Kind);
        Assert.Equal("Scheduled", diagnosis.Status);
        var reason = Reason(diagnosis, DiagnosisCodes.PoolPaused);
        Assert.Equal($"Work pool '{pool}' is paused: none of its runs is claimed until it is resumed.", reason.Message);
        Assert.True(reason.Blocking);
        Assert.Equal(reason.Message, diagnosis.Summary);
    }

    [Fact]
    public async Task Paused_queue_is_named_as_the_reason()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        await PollAsync(pool, "w1");
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/work-pools/{pool}/queues/default/pause", null)).StatusCode);
        var run = await RunAsync(deployment.Id);

        var reason = Reason(await DiagnoseAsync(run.Id), DiagnosisCodes.QueuePaused);

        Assert.Equal("Work queue 'default' is paused: its runs wait until it is resumed.", reason.Message);
        Assert.DoesNotContain((await DiagnoseAsync(run.Id)).Reasons, r => r.Code == DiagnosisCodes.PoolPaused);
    }

    [Fact]
    public async Task No_worker_names_the_other_queues_workers_and_the_offline_ones()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        Assert.Equal(HttpStatusCode.Created, (await Client.PostJsonAsync($"/api/work-pools/{pool}/queues",
            new CreateWorkQueueRequest { Name = "gpu", Priority = 5 })).StatusCode);
        var beatAt = Durations.Time(_time.GetUtcNow().UtcDateTime);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat",
            new HeartbeatRequest { Name = "w-old", HeartbeatIntervalSeconds = 10 })).StatusCode);
        _time.Advance(TimeSpan.FromMinutes(5));
        await PollAsync(pool, "w-gpu", queues: ["gpu"]);
        var run = await RunAsync(deployment.Id);

        var reason = Reason(await DiagnoseAsync(run.Id), DiagnosisCodes.NoWorker);

        Assert.Contains($"No online worker serves queue 'default' of pool '{pool}'.", reason.Message, StringComparison.Ordinal);
        Assert.Contains("Online workers serve only the pool's other queues: 'w-gpu' (gpu).", reason.Message, StringComparison.Ordinal);
        Assert.Contains($"Worker 'w-old' serves it but is offline: last heartbeat 5 min ago ({beatAt}), interval 10 s, offline after 30 s without one (3 × interval).",
            reason.Message, StringComparison.Ordinal);
        var offline = Assert.Single(reason.Data["offlineWorkers"]!.AsArray())!;
        Assert.Equal("w-old", offline["name"]!.GetValue<string>());
        Assert.Equal(300, offline["secondsSinceHeartbeat"]!.GetValue<double>());
        Assert.Equal(30, offline["offlineAfterSeconds"]!.GetValue<int>());
        Assert.Equal("w-gpu", Assert.Single(reason.Data["otherQueueWorkers"]!.AsArray())!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_pool_that_never_saw_a_worker_says_so()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        var run = await RunAsync(deployment.Id);

        var reason = Reason(await DiagnoseAsync(run.Id), DiagnosisCodes.NoWorker);

        Assert.Contains($"No worker has ever polled pool '{pool}'", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_pool_limit_says_5_of_5_style_numbers_and_the_slot_holders()
    {
        var pool = (await CreatePoolAsync(limit: 2)).Name;
        var deployment = await CreateDeploymentAsync(pool);
        var held = await HoldSlotsAsync(pool, deployment.Id, 2);
        var run = await RunAsync(deployment.Id);

        var reason = Reason(await DiagnoseAsync(run.Id), DiagnosisCodes.PoolLimitFull);

        Assert.StartsWith($"Work pool '{pool}' concurrency limit is full: 2 of 2 slots in use, held by '", reason.Message, StringComparison.Ordinal);
        Assert.All(held, r => Assert.Contains($"'{r.Name}' (Running on w1)", reason.Message, StringComparison.Ordinal));
        Assert.Equal(2, reason.Data["limit"]!.GetValue<int>());
        Assert.Equal(2, reason.Data["active"]!.GetValue<int>());
        Assert.Equal(held.Select(r => r.Id).Order(), reason.Data["holders"]!.AsArray().Select(h => h!["id"]!.GetValue<Guid>()).Order());
    }

    [Fact]
    public async Task Full_queue_limit_is_the_reason()
    {
        var pool = (await CreatePoolAsync()).Name;
        Assert.Equal(HttpStatusCode.Created, (await Client.PostJsonAsync($"/api/work-pools/{pool}/queues",
            new CreateWorkQueueRequest { Name = "limited", Priority = 5, ConcurrencyLimit = 1 })).StatusCode);
        var deployment = await CreateDeploymentAsync(pool, queue: "limited");
        var held = await HoldSlotsAsync(pool, deployment.Id, 1);
        var run = await RunAsync(deployment.Id);

        var diagnosis = await DiagnoseAsync(run.Id);

        Assert.Equal($"Work queue 'limited' concurrency limit is full: 1 of 1 slots in use, held by '{held[0].Name}' (Running on w1).",
            Reason(diagnosis, DiagnosisCodes.QueueLimitFull).Message);
        Assert.DoesNotContain(diagnosis.Reasons, r => r.Code == DiagnosisCodes.PoolLimitFull);
    }

    [Fact]
    public async Task Full_deployment_limit_is_the_reason()
    {
        var pool = (await CreatePoolAsync()).Name;
        var deployment = await CreateDeploymentAsync(pool, limit: 1);
        var held = await HoldSlotsAsync(pool, deployment.Id, 1);
        var run = await RunAsync(deployment.Id);

        var reason = Reason(await DiagnoseAsync(run.Id), DiagnosisCodes.DeploymentLimitFull);

        Assert.Equal($"Deployment '{deployment.FlowName}/{deployment.Name}' concurrency limit is full: 1 of 1 slots in use, held by '{held[0].Name}' (Running on w1).",
            reason.Message);
    }

    [Fact]
    public async Task A_future_start_says_when()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        await PollAsync(pool, "w1");
        var start = _time.GetUtcNow().UtcDateTime.AddMinutes(4);
        var run = await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = start });

        var diagnosis = await DiagnoseAsync(run.Id);

        var reason = Assert.Single(diagnosis.Reasons);
        Assert.Equal(DiagnosisCodes.ScheduledInFuture, reason.Code);
        Assert.StartsWith("It starts in 4 min (expected start ", reason.Message, StringComparison.Ordinal);
        Assert.Equal(240, reason.Data["secondsUntilStart"]!.GetValue<double>());
    }

    [Fact]
    public async Task An_unhealthy_worker_reports_its_health_message()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat",
            new HeartbeatRequest { Name = "w1", IsHealthy = false, HealthMessage = "Docker engine unreachable" })).StatusCode);
        var run = await RunAsync(deployment.Id);

        var reason = Reason(await DiagnoseAsync(run.Id), DiagnosisCodes.WorkerUnhealthy);

        Assert.Equal("Every online worker serving queue 'default' reports unhealthy and claims nothing: Docker engine unreachable.", reason.Message);
        Assert.Equal("Docker engine unreachable", reason.Data["workers"]![0]!["healthMessage"]!.GetValue<string>());
    }

    [Fact]
    public async Task Late_run_with_nothing_in_the_way_waits_for_the_next_poll()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        await PollAsync(pool, "w1");
        var run = await RunAsync(deployment.Id);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat",
            new HeartbeatRequest { Name = "w1" })).StatusCode);

        var diagnosis = await DiagnoseAsync(run.Id);

        Assert.Equal("Late", diagnosis.Status);
        var reason = Assert.Single(diagnosis.Reasons);
        Assert.Equal(DiagnosisCodes.AwaitingPoll, reason.Code);
        Assert.Equal("Nothing blocks it: worker 'w1' should claim it on the next poll (last poll 20 s ago).", reason.Message);
    }

    [Fact]
    public async Task Pending_run_says_who_claimed_it_and_when()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        var run = await RunAsync(deployment.Id);
        var claimedAt = Durations.Time(_time.GetUtcNow().UtcDateTime);
        Assert.Single(await PollAsync(pool, "w1"));
        _time.Advance(TimeSpan.FromSeconds(7));

        var diagnosis = await DiagnoseAsync(run.Id);

        Assert.Equal("Pending", diagnosis.Status);
        Assert.Equal($"Claimed by worker 'w1' at {claimedAt} (7 s ago); waiting for the worker to create its infrastructure and report Running.",
            Reason(diagnosis, DiagnosisCodes.Claimed).Message);
    }

    [Fact]
    public async Task Queue_not_ready_says_when_it_was_last_polled_and_by_whom()
    {
        var (pool, _) = await PoolWithDeploymentAsync();
        await PollAsync(pool, "w1");
        _time.Advance(TimeSpan.FromMinutes(2));

        var diagnosis = await GetAsync<DiagnosisDto>($"/api/work-pools/{pool}/queues/default/diagnosis");

        Assert.Equal("NotReady", diagnosis.Status);
        Assert.Contains("was last polled 2 min ago", Reason(diagnosis, DiagnosisCodes.NotPolled).Message, StringComparison.Ordinal);
        Assert.Contains("within the last 60 s", Reason(diagnosis, DiagnosisCodes.NotPolled).Message, StringComparison.Ordinal);
        Assert.Contains("'w1' (Offline, last heartbeat 2 min ago, interval 10 s)", Reason(diagnosis, DiagnosisCodes.Workers).Message, StringComparison.Ordinal);
        Assert.Contains(diagnosis.Reasons, r => r.Code == DiagnosisCodes.NoWorker);
    }

    [Fact]
    public async Task Worker_offline_explains_the_three_missed_heartbeats_rule()
    {
        var (pool, _) = await PoolWithDeploymentAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat",
            new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10 })).StatusCode);
        _time.Advance(TimeSpan.FromSeconds(31));

        var diagnosis = await GetAsync<DiagnosisDto>($"/api/work-pools/{pool}/workers/w1/diagnosis");

        Assert.Equal("Offline", diagnosis.Status);
        var reason = Reason(diagnosis, DiagnosisCodes.HeartbeatMissed);
        Assert.StartsWith("Last heartbeat 31 s ago (", reason.Message, StringComparison.Ordinal);
        Assert.EndsWith("its heartbeat interval is 10 s, and a worker is Offline once 3 intervals (30 s) pass without one.", reason.Message, StringComparison.Ordinal);
        Assert.Equal(30, reason.Data["offlineAfterSeconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task Text_format_renders_one_line_per_reason_with_its_code()
    {
        var (pool, deployment) = await PoolWithDeploymentAsync();
        await Client.PostAsync($"/api/work-pools/{pool}/pause", null);
        var run = await RunAsync(deployment.Id);

        var response = await Client.GetAsync($"/api/flow-runs/{run.Id}/diagnosis?format=text");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith($"Flow run '{run.Name}'", text, StringComparison.Ordinal);
        Assert.Contains($"  x Work pool '{pool}' is paused: none of its runs is claimed until it is resumed. [pool-paused]\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_run_is_404()
    {
        var response = await Client.GetAsync($"/api/flow-runs/{Guid.NewGuid()}/diagnosis");
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    private async Task<(string Pool, DeploymentDto Deployment)> PoolWithDeploymentAsync()
    {
        var pool = (await CreatePoolAsync()).Name;
        return (pool, await CreateDeploymentAsync(pool));
    }

    /// <summary>Runs <paramref name="count"/> runs to Running on worker w1: the slots they hold stay taken.</summary>
    private async Task<List<FlowRunDto>> HoldSlotsAsync(string pool, Guid deployment, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await RunAsync(deployment);
        }

        var claimed = await PollAsync(pool, "w1", limit: count);
        Assert.Equal(count, claimed.Count);
        var running = new List<FlowRunDto>();
        foreach (var run in claimed)
        {
            var response = await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = FlowRunState.Running });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            running.Add(await response.ReadAsync<FlowRunDto>());
        }

        return running;
    }

    private Task<DiagnosisDto> DiagnoseAsync(Guid run) => GetAsync<DiagnosisDto>($"/api/flow-runs/{run}/diagnosis");

    private static DiagnosisReason Reason(DiagnosisDto diagnosis, string code) =>
        diagnosis.Reasons.FirstOrDefault(r => r.Code == code)
        ?? throw new Xunit.Sdk.XunitException($"no '{code}' reason in: {string.Join(" | ", diagnosis.Reasons.Select(r => $"{r.Code}: {r.Message}"))}");

    public sealed class ClockApi : ApiFactory
    {
        public ClockApi()
            : base(fakeTime: true)
        {
        }
    }
}

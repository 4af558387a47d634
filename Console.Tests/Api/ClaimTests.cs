using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Feed;
using Console.Core.FlowRuns;
using Console.Core.Metrics;
using Console.Core.Persistence;
using Console.Core.Polling;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Console.Tests.Api;

/// <summary>The claim under contention, over HTTP, on a real SQLite file and on a real PostgreSQL database.</summary>
public abstract class ClaimTests(ApiFactory factory) : ApiTestBase(factory)
{
    /// <summary>How many app hosts (console replicas) the racing pollers spread over: poller i uses host i % HostCount.</summary>
    protected virtual int HostCount => 1;

    protected virtual HttpClient CreatePollerClient(int poller) => Factory.CreateClient();

    [Fact]
    public async Task A_run_later_than_its_late_policy_allows_is_never_claimed_while_the_rest_are()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        using (var patched = await Client.PatchJsonAsync($"/api/deployments/{deployment.Id}", new UpdateDeploymentRequest { LatePolicy = new LatePolicyDto { SkipAfterSeconds = 60 } }))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        // Backfills: one five minutes late (past the policy's minute), one ten seconds late.
        var tooLate = await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddMinutes(-5) });
        var onTime = await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddSeconds(-10) });

        var claimed = await PollAsync(pool.Name, "w1", limit: 10);

        Assert.Equal([onTime.Id], claimed.Select(r => r.Id));
        // Late (waiting past its start) until the late-policy job skips it, never claimed by a worker.
        Assert.Contains((await GetAsync<FlowRunDto>($"/api/flow-runs/{tooLate.Id}")).State, new[] { FlowRunState.Late, FlowRunState.Skipped });
    }

    /// <summary>
    /// The claim reads the runs it takes with its own command (<see cref="EntityRows{T}"/>), not EF
    /// Core's query: what the worker gets is what the API reads back, and every property of the
    /// row, times' kind included, is what EF Core would have read.
    /// </summary>
    [Fact]
    public async Task A_claimed_run_reaches_the_worker_as_the_database_holds_it()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var created = await RunAsync(deployment.Id, new CreateFlowRunRequest
        {
            Parameters = new JsonObject { ["rows"] = 3, ["name"] = "ü \"quoted\"" },
            ScheduledStartAt = DateTime.UtcNow.AddSeconds(-30),
        });

        var claimed = Assert.Single(await PollAsync(pool.Name, "reader", limit: 5));
        var stored = await GetAsync<FlowRunDto>($"/api/flow-runs/{created.Id}");
        Assert.Equal(created.Id, claimed.Id);
        Assert.Equal((FlowRunState.Pending, "reader"), (claimed.State, claimed.WorkerName));
        Assert.Equal((stored.Name, stored.State, stored.WorkerName, stored.Attempt), (claimed.Name, claimed.State, claimed.WorkerName, claimed.Attempt));
        Assert.Equal(stored.Parameters.ToJsonString(), claimed.Parameters.ToJsonString());
        Assert.Equal((stored.ExpectedStartAt, stored.CreatedAt, stored.Version), (claimed.ExpectedStartAt, claimed.CreatedAt, claimed.Version));
        Assert.Equal(DateTimeKind.Utc, claimed.ExpectedStartAt.Kind);

        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var byQuery = await db.FlowRuns.AsNoTracking().SingleAsync(r => r.Id == created.Id);
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT * FROM \"FlowRuns\" WHERE \"Id\" = @id";
        var id = command.CreateParameter();
        id.ParameterName = "@id";
        id.Value = db.Database.IsNpgsql() ? created.Id : RawValues.Sqlite(created.Id);
        command.Parameters.Add(id);
        var byRows = Assert.Single(await EntityRows<FlowRun>.ReadAsync(command, db.Model, CancellationToken.None));
        foreach (var property in typeof(FlowRun).GetProperties())
        {
            var (expected, actual) = (property.GetValue(byQuery), property.GetValue(byRows));
            Assert.True(Equals(expected, actual), $"{property.Name}: EF Core read {expected}, the claim's reader {actual}");
            Assert.True(expected is not DateTime time || time.Kind == ((DateTime)actual!).Kind, $"{property.Name}'s kind");
        }
    }

    [Fact]
    public async Task Twenty_concurrent_pollers_claim_a_thousand_runs_exactly_once()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var created = await CreateRunsAsync(deployment.Id, 1000);

        var claims = new ConcurrentBag<(Guid Run, string Worker)>();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            using var client = CreatePollerClient(i);
            var emptyPolls = 0;
            while (emptyPolls < 2)
            {
                var batch = await PollWith(client, pool.Name, $"worker-{i}", limit: 7);
                emptyPolls = batch.Count == 0 ? emptyPolls + 1 : 0;
                foreach (var run in batch)
                {
                    claims.Add((run.Id, $"worker-{i}"));
                }
            }
        })));

        Assert.Equal(1000, claims.Count);
        Assert.Equal(1000, claims.Select(c => c.Run).Distinct().Count());
        Assert.True(created.SetEquals(claims.Select(c => c.Run)));
        Assert.True(claims.Select(c => c.Worker).Distinct().Count() > 1, "the work should spread over several workers");
        Assert.Equal(HostCount, claims.Select(c => int.Parse(c.Worker["worker-".Length..], CultureInfo.InvariantCulture) % HostCount).Distinct().Count());

        var pending = await GetAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool.Name}&state=Pending&limit=5000");
        Assert.Equal(1000, pending.Count);
        Assert.All(pending, r => Assert.Equal(claims.First(c => c.Run == r.Id).Worker, r.WorkerName));
    }

    /// <param name="poolLimit">
    /// With a pool limit the claim counts every slot holder of the pool; without one only those of
    /// the limited queue and deployment, while the unlimited deployment's runs are in flight beside them.
    /// </param>
    [Theory]
    [InlineData(6)]
    [InlineData(null)]
    public async Task Pool_queue_and_deployment_limits_are_never_exceeded_at_any_moment(int? poolLimit)
    {
        var pool = await CreatePoolAsync(type: "process", limit: poolLimit);
        await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "narrow", ConcurrencyLimit = 2 });
        var wide = await CreateDeploymentAsync(pool.Name);
        var narrow = await CreateDeploymentAsync(pool.Name, queue: "narrow");
        var capped = await CreateDeploymentAsync(pool.Name, limit: 1);
        await CreateRunsAsync(wide.Id, 60);
        await CreateRunsAsync(narrow.Id, 30);
        await CreateRunsAsync(capped.Id, 20);

        // Client-side counts are decremented before the end is reported, so they never exceed
        // what the server counts: a count above a limit here is a real violation.
        var poolActive = 0;
        var byDeployment = new ConcurrentDictionary<Guid, int>();
        var maxPool = 0;
        var violations = new ConcurrentBag<string>();
        var finished = 0;

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            using var client = CreatePollerClient(i);
            var idle = 0;
            while (Volatile.Read(ref finished) < 110 && idle < 50)
            {
                var batch = await PollWith(client, pool.Name, $"lw-{i}", limit: 3);
                idle = batch.Count == 0 ? idle + 1 : 0;
                foreach (var run in batch)
                {
                    var now = Interlocked.Increment(ref poolActive);
                    InterlockedMax(ref maxPool, now);
                    var dep = byDeployment.AddOrUpdate(run.DeploymentId!.Value, 1, (_, c) => c + 1);
                    if (now > poolLimit) { violations.Add($"pool at {now}"); }
                    if (run.DeploymentId == capped.Id && dep > 1) { violations.Add($"capped deployment at {dep}"); }
                    if (run.DeploymentId == narrow.Id && dep > 2) { violations.Add($"narrow queue at {dep}"); }
                }

                foreach (var run in batch)
                {
                    byDeployment.AddOrUpdate(run.DeploymentId!.Value, 0, (_, c) => c - 1);
                    Interlocked.Decrement(ref poolActive);
                    var done = await client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = FlowRunState.Completed });
                    Assert.Equal(HttpStatusCode.OK, done.StatusCode);
                    Interlocked.Increment(ref finished);
                }
            }
        })));

        Assert.Empty(violations);
        Assert.Equal(110, finished);
        if (poolLimit is null)
        {
            return;
        }

        Assert.InRange(maxPool, 1, 6);

        // The server's own timeline agrees: at no claim instant were more than 6 runs active.
        var runs = await GetAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool.Name}&limit=5000");
        var intervals = new List<(DateTime Start, DateTime End)>();
        foreach (var run in runs)
        {
            var history = await GetAsync<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history");
            intervals.Add((history.Single(h => h.State == FlowRunState.Pending).Timestamp, history.Single(h => h.State == FlowRunState.Completed).Timestamp));
        }

        foreach (var (start, _) in intervals)
        {
            Assert.True(intervals.Count(i => i.Start <= start && i.End > start) <= 6);
        }
    }

    [Fact]
    public async Task Lower_priority_number_is_claimed_first_then_oldest_start()
    {
        var pool = await CreatePoolAsync(type: "process");
        // Priorities differ (queues of one priority share claims by weight: see the fair share test).
        await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}/queues/default", new { priority = 2 });
        await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "urgent", Priority = 1 });
        var normal = await CreateDeploymentAsync(pool.Name);
        var urgent = await CreateDeploymentAsync(pool.Name, queue: "urgent");
        var n1 = await RunAsync(normal.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddMinutes(-10) });
        var u2 = await RunAsync(urgent.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddMinutes(-1) });
        var u1 = await RunAsync(urgent.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddMinutes(-2) });

        Assert.Equal(u1.Id, Assert.Single(await PollAsync(pool.Name, "w", limit: 1)).Id);
        Assert.Equal(u2.Id, Assert.Single(await PollAsync(pool.Name, "w", limit: 1)).Id);
        Assert.Equal(n1.Id, Assert.Single(await PollAsync(pool.Name, "w", limit: 1)).Id);
    }

    [Fact]
    public async Task Two_flooded_queues_of_one_priority_share_claims_by_weight()
    {
        var pool = await CreatePoolAsync(type: "process");
        await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}/queues/default", new { priority = 2 });
        foreach (var (name, weight) in new[] { ("team-a", 1), ("team-b", 3) })
        {
            var created = await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = name, Priority = 1, Weight = weight });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // Team A floods first: strictly oldest-first, every claim below would be one of its runs.
        var a = await CreateDeploymentAsync(pool.Name, queue: "team-a");
        var b = await CreateDeploymentAsync(pool.Name, queue: "team-b");
        var floodA = await CreateRunsAsync(a.Id, 100, DateTime.UtcNow.AddMinutes(-30));
        var floodB = await CreateRunsAsync(b.Id, 100, DateTime.UtcNow.AddMinutes(-5));

        // The diagnosis counts with the same rule: team B's first three runs stand at 1/3, 2/3 and 1,
        // team A's oldest at 1 (ties go to the queue named first): two runs are ahead of it.
        Assert.Empty(await PollAsync(pool.Name, "w-0", limit: 0));
        var oldestA = (await GetAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool.Name}&limit=5000"))
            .Where(r => r.WorkQueueName == "team-a").MinBy(r => r.ExpectedStartAt)!;
        var diagnosis = await GetAsync<Console.Contracts.Diagnostics.DiagnosisDto>($"/api/flow-runs/{oldestA.Id}/diagnosis");
        var ahead = Assert.Single(diagnosis.Reasons, r => r.Code == Console.Contracts.Diagnostics.DiagnosisCodes.AheadInLine);
        Assert.Equal(2, (int)ahead.Data["ahead"]!);

        var claimed = new List<FlowRunDto>();
        for (var i = 0; claimed.Count < 120; i++)
        {
            var batch = await PollAsync(pool.Name, $"w-{i % 3}", limit: 10);
            Assert.NotEmpty(batch);
            claimed.AddRange(batch);
        }

        var fromA = claimed.Count(r => floodA.Contains(r.Id));
        var fromB = claimed.Count(r => floodB.Contains(r.Id));
        Assert.Equal(claimed.Count, fromA + fromB);
        // 1:3 within 10 %: team A's share is 25 % (+-2.5 points).
        var shareA = fromA / (double)claimed.Count;
        Assert.InRange(shareA, 0.225, 0.275);
        // Within each queue the oldest run still goes first.
        foreach (var queue in new[] { "team-a", "team-b" })
        {
            var mine = claimed.Where(r => r.WorkQueueName == queue).Select(r => r.ExpectedStartAt).ToList();
            Assert.Equal(mine.Order(), mine);
        }
    }

    [Fact]
    public async Task Paused_pools_and_queues_are_skipped_but_their_polls_still_count()
    {
        var pool = await CreatePoolAsync(type: "process");
        await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "held", IsPaused = true });
        var open = await CreateDeploymentAsync(pool.Name);
        var held = await CreateDeploymentAsync(pool.Name, queue: "held");
        var heldRun = await RunAsync(held.Id);
        var openRun = await RunAsync(open.Id);

        await Client.PostAsync($"/api/work-pools/{pool.Name}/pause", null);
        Assert.Empty(await PollAsync(pool.Name, "w"));
        Assert.Single(await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers"));

        await Client.PostAsync($"/api/work-pools/{pool.Name}/resume", null);
        Assert.Equal(openRun.Id, Assert.Single(await PollAsync(pool.Name, "w")).Id);
        Assert.Empty(await PollAsync(pool.Name, "w"));

        await Client.PostAsync($"/api/work-pools/{pool.Name}/queues/held/resume", null);
        Assert.Equal(heldRun.Id, Assert.Single(await PollAsync(pool.Name, "w")).Id);
    }

    [Fact]
    public async Task A_worker_polling_only_some_queues_gets_only_their_runs()
    {
        var pool = await CreatePoolAsync(type: "process");
        await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/queues", new CreateWorkQueueRequest { Name = "gpu" });
        var cpu = await CreateDeploymentAsync(pool.Name);
        var gpu = await CreateDeploymentAsync(pool.Name, queue: "gpu");
        await RunAsync(cpu.Id);
        var gpuRun = await RunAsync(gpu.Id);
        Assert.Equal(gpuRun.Id, Assert.Single(await PollAsync(pool.Name, "g", queues: ["gpu"])).Id);
        var unknown = await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "g", Queues = ["nope"] });
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_long_poll_that_started_before_a_run_existed_returns_it_before_its_wait_ends()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);

        var clock = Stopwatch.StartNew();
        var poll = PollAsync(pool.Name, "lp", wait: 30);
        await Wait.UntilAsync(async () => (await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers")).Count == 1, "the waiting poll's worker to be listed", 20);
        Assert.False(poll.IsCompleted);

        var run = await RunAsync(deployment.Id);
        var claimed = await poll;
        Assert.Equal(run.Id, Assert.Single(claimed).Id);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the long-poll must return when the run appears, not when its wait ends");
    }

    [Fact]
    public async Task A_long_poll_wakes_when_a_run_scheduled_ahead_falls_due_and_ends_empty_when_nothing_is()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddSeconds(2) });

        // Nothing creates or changes a run while it waits: only its timer for the next due run wakes it.
        var clock = Stopwatch.StartNew();
        var claimed = await PollAsync(pool.Name, "timer", wait: 30);
        Assert.Equal(run.Id, Assert.Single(claimed).Id);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the long-poll must return when the scheduled run falls due, not when its wait ends");

        Assert.Empty(await PollAsync(pool.Name, "timer", wait: 0.5));
    }

    [Fact]
    public async Task A_long_poll_sleeps_through_changes_that_make_nothing_claimable_and_wakes_when_its_pool_resumes()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        (await Client.PostAsync($"/api/work-pools/{pool.Name}/pause", null)).EnsureSuccessStatusCode();
        var run = await RunAsync(deployment.Id);
        var clock = Stopwatch.StartNew();
        var poll = PollAsync(pool.Name, "sleeper", wait: 30);
        DateTime? polledAt = null;
        while (polledAt is null && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            polledAt = (await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers")).SingleOrDefault(w => w.Name == "sleeper")?.LastPolledAt;
        }

        // A worker coming online, a new description, a queue's priority: views change, nothing claimable does.
        await Client.HeartbeatAsync(pool.Name, "newcomer");
        (await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}", new { description = "night batch" })).EnsureSuccessStatusCode();
        (await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}/queues/default", new { priority = 3 })).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Each claim stamps the worker's last poll: the waiting poll did not claim again for any of them.
        var sleeper = (await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers")).Single(w => w.Name == "sleeper");
        Assert.NotNull(polledAt);
        Assert.Equal(polledAt, sleeper.LastPolledAt);
        Assert.False(poll.IsCompleted);

        (await Client.PostAsync($"/api/work-pools/{pool.Name}/resume", null)).EnsureSuccessStatusCode();
        Assert.Equal(run.Id, Assert.Single(await poll).Id);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "resuming the pool must wake the waiting poll, not the end of its wait");
    }

    [Fact]
    public async Task A_long_poll_that_waited_for_its_turn_through_views_that_change_nothing_claims_once()
    {
        var pool = await CreatePoolAsync(type: "process");
        await PollAsync(pool.Name, "patient", limit: 0);
        var poolView = await GetAsync<WorkPoolDto>($"/api/work-pools/{pool.Name}");
        var queueView = Assert.Single(await GetAsync<List<WorkQueueDto>>($"/api/work-pools/{pool.Name}/queues"));
        var feed = Factory.Services.GetRequiredService<IChangeFeed>();
        using var claims = new MetricCollector<long>(Factory.Services.GetRequiredService<IMeterFactory>(), ConsoleMetrics.MeterName, "console.claim.polls");
        var polls = () => claims.GetMeasurementSnapshot().Sum(m => m.Value);

        // Views that come while the poll waits for its turn: a fleet's newcomers change them many
        // times a second; these keep the pool's and queue's pauses and limits.
        var patient = await WhileQueuedAtTheGateAsync(() => PollAsync(pool.Name, "patient", wait: 30), () =>
        {
            for (var i = 0; i < 5; i++)
            {
                feed.Publish(new PoolChanged(poolView));
                feed.Publish(new QueueChanged(queueView));
            }
        });
        await Wait.UntilAsync(() => (polls() >= 1), "the waiting poll's claim", 20);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1, polls());
        Assert.False(patient.IsCompleted);

        // A view that differs from what the claim read (the pool paused meanwhile) makes it claim again.
        var woken = await WhileQueuedAtTheGateAsync(() => PollAsync(pool.Name, "woken", wait: 30), () =>
            feed.Publish(new PoolChanged(poolView with { IsPaused = true })));
        await Wait.UntilAsync(() => (polls() >= 3), "the woken poll's second claim", 20);
        Assert.False(woken.IsCompleted);
    }

    /// <summary>Starts <paramref name="poll"/> with every turn of the claim gate held, and does <paramref name="meanwhile"/> while it waits there.</summary>
    private async Task<Task<IReadOnlyList<FlowRunDto>>> WhileQueuedAtTheGateAsync(Func<Task<IReadOnlyList<FlowRunDto>>> poll, Action meanwhile)
    {
        var gate = Factory.Services.GetRequiredService<ClaimGate>();
        var held = await HoldEveryTurnAsync(gate);
        try
        {
            var waiting = gate.Waiting;
            var started = poll();
            await Wait.UntilAsync(() => (gate.Waiting > waiting), "the poll waiting for its turn at the claim gate", 20);
            meanwhile();
            return started;
        }
        finally
        {
            ReleaseTurns(gate, held);
        }
    }

    [Fact]
    public async Task A_new_workers_first_heartbeat_and_first_polls_at_the_same_moment_all_succeed()
    {
        var pool = await CreatePoolAsync(type: "process");
        async Task<HttpStatusCode> Send<T>(int host, string path, T body)
        {
            using var client = CreatePollerClient(host);
            return (await client.PostJsonAsync($"/api/work-pools/{pool.Name}/{path}", body)).StatusCode;
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).SelectMany(i => new[]
        {
            Task.Run(() => Send(i, "workers/heartbeat", new HeartbeatRequest { Name = $"fresh-{i}" })),
            Task.Run(() => Send(i + 1, "poll", new PollRequest { WorkerName = $"fresh-{i}" })),
            Task.Run(() => Send(i, "poll", new PollRequest { WorkerName = $"fresh-{i}" })),
        }));

        Assert.All(answers, status => Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"answered {status}"));
        var workers = await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers");
        Assert.Equal(20, workers.Count);
        Assert.All(workers, w => Assert.Equal(WorkerStatus.Online, w.Status));
    }

    [Fact]
    public async Task Poll_input_is_validated()
    {
        var pool = await CreatePoolAsync(type: "process");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest()), HttpStatusCode.BadRequest, "workerName");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "w", Limit = 1000 }), HttpStatusCode.BadRequest, "limit");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "w", WaitSeconds = -1 }), HttpStatusCode.BadRequest, "waitSeconds");
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "W W" }), HttpStatusCode.BadRequest, "workerName");
    }

    private async Task<HashSet<Guid>> CreateRunsAsync(Guid deployment, int count, DateTime? startFrom = null)
    {
        var ids = new ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            ids.Add((await RunAsync(deployment, startFrom is { } from ? new CreateFlowRunRequest { ScheduledStartAt = from.AddSeconds(i) } : null)).Id));
        return [.. ids];
    }

    private static async Task<List<FlowRunDto>> PollWith(HttpClient client, string pool, string worker, int limit)
    {
        var response = await client.PostJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = worker, Limit = limit });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<List<FlowRunDto>>();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

}

public sealed class SqliteClaimTests(ApiFactory factory) : ClaimTests(factory), IClassFixture<ApiFactory>;

public sealed class PostgresClaimTests(PostgresApiFactory factory) : ClaimTests(factory), IClassFixture<PostgresApiFactory>;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Deployments;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Tests.Automations;
using Console.Tests.Infrastructure;
using Console.Web.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Api;

/// <summary>
/// Run policies (docs/reliability.md): retries, attempts, the timeout backstop, late policies,
/// CancelNew and idempotent triggers, driven through REST as a worker would, on a fake clock, on a
/// real SQLite file and a real PostgreSQL database.
/// </summary>
public abstract class RunPolicyTests : ApiTestBase
{
    private readonly FakeTimeProvider _time;

    protected RunPolicyTests(ApiFactory factory)
        : base(factory)
    {
        _time = factory.Time!;
    }

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task A_failing_run_is_retried_with_backoff_until_its_attempts_are_spent_and_its_history_and_logs_keep_every_attempt()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            Retries = new RetryPolicyDto { MaxRetries = 2, DelaySeconds = 10, BackoffFactor = 2 },
        });
        Assert.Equal((2, 10, 2.0, 0), (deployment.Retries!.MaxRetries, deployment.Retries.DelaySeconds, deployment.Retries.BackoffFactor, deployment.Retries.JitterPercent));
        Assert.Equal(FlowRunStates.Retryable, deployment.Retries.On);
        var run = await RunAsync(deployment.Id);
        Assert.Equal((1, 3, (DateTime?)null), (run.Attempt, run.MaxAttempts, run.NextAttemptAt));

        // Attempt 1 fails with exit code 3.
        await FailAttemptAsync(pool.Name, "w1", run.Id, 1);
        var waiting = await Client.GetRunAsync(run.Id);
        Assert.Equal((FlowRunState.AwaitingRetry, 2, 3, Now.AddSeconds(10)), (waiting.State, waiting.Attempt, waiting.MaxAttempts, waiting.NextAttemptAt!.Value));
        Assert.Null(waiting.WorkerName);
        Assert.Contains("Attempt 1 of 3 ended Failed (exit code 3)", waiting.StateMessage, StringComparison.Ordinal);

        // It counts as scheduled, it is not due yet, and the diagnosis says when it starts.
        var queue = await GetAsync<WorkQueueDto>($"/api/work-pools/{pool.Name}/queues/default");
        Assert.Equal(1, queue.ScheduledRuns);
        Assert.Empty(await PollAsync(pool.Name, "w2", limit: 5));
        _time.Advance(TimeSpan.FromSeconds(2));
        var diagnosis = await GetAsync<DiagnosisDto>($"/api/flow-runs/{run.Id}/diagnosis");
        Assert.Equal("AwaitingRetry", diagnosis.Status);
        Assert.StartsWith("Attempt 2 of 3 starts in 8 s", Reason(diagnosis, DiagnosisCodes.AwaitingRetry).Message, StringComparison.Ordinal);

        // Due: another worker claims attempt 2; a late report of attempt 1 cannot end it.
        _time.Advance(TimeSpan.FromSeconds(8));
        var second = Assert.Single(await PollAsync(pool.Name, "w2", limit: 5));
        Assert.Equal((run.Id, 2, FlowRunState.Pending, "w2"), (second.Id, second.Attempt, second.State, second.WorkerName));
        var stale = await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = FlowRunState.Completed, Attempt = 1 });
        var problem = await AssertProblemAsync(stale, HttpStatusCode.Conflict);
        Assert.Contains("Attempt 1 of the run has ended", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // Attempt 2 fails: the delay doubles.
        await FailAttemptAsync(pool.Name, null, run.Id, 2);
        var again = await Client.GetRunAsync(run.Id);
        Assert.Equal((FlowRunState.AwaitingRetry, 3, Now.AddSeconds(20)), (again.State, again.Attempt, again.NextAttemptAt!.Value));
        _time.Advance(TimeSpan.FromSeconds(19));
        Assert.Empty(await PollAsync(pool.Name, "w1", limit: 5));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, Assert.Single(await PollAsync(pool.Name, "w1", limit: 5)).Attempt);

        // Attempt 3 is the last: Failed for good.
        await FailAttemptAsync(pool.Name, null, run.Id, 3);
        var failed = await Client.GetRunAsync(run.Id);
        Assert.Equal((FlowRunState.Failed, 3, 3, 3, (DateTime?)null), (failed.State, failed.Attempt, failed.MaxAttempts, failed.ExitCode, failed.NextAttemptAt));

        var history = await GetAsync<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history");
        Assert.Equal(
            [
                (FlowRunState.Scheduled, 1), (FlowRunState.Pending, 1), (FlowRunState.Running, 1), (FlowRunState.Failed, 1), (FlowRunState.AwaitingRetry, 2),
                (FlowRunState.Pending, 2), (FlowRunState.Running, 2), (FlowRunState.Failed, 2), (FlowRunState.AwaitingRetry, 3),
                (FlowRunState.Pending, 3), (FlowRunState.Running, 3), (FlowRunState.Failed, 3),
            ],
            history.Select(h => (h.State, h.Attempt)));
        var logs = await Client.LogsAsync(run.Id);
        Assert.Equal([(1, "attempt 1 says hi"), (2, "attempt 2 says hi"), (3, "attempt 3 says hi")], logs.Select(l => (l.Attempt, l.Message)));
    }

    [Fact]
    public async Task Cancelled_runs_and_states_outside_the_policy_are_never_retried_and_a_waiting_retry_can_be_cancelled()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            Retries = new RetryPolicyDto { MaxRetries = 3, DelaySeconds = 0, On = [FlowRunState.Crashed] },
        });
        var cancelled = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.SetStateAsync(cancelled.Id, FlowRunState.Running);
        await Client.PostAsync($"/api/flow-runs/{cancelled.Id}/cancel", null);
        await Client.SetStateAsync(cancelled.Id, FlowRunState.Cancelled);
        Assert.Equal(FlowRunState.Cancelled, (await Client.GetRunAsync(cancelled.Id)).State);

        var failed = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.SetStateAsync(failed.Id, FlowRunState.Failed, exitCode: 1);
        Assert.Equal((FlowRunState.Failed, 1), ((await Client.GetRunAsync(failed.Id)).State, (await Client.GetRunAsync(failed.Id)).Attempt));

        var crashed = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.SetStateAsync(crashed.Id, FlowRunState.Crashed);
        Assert.Equal(FlowRunState.AwaitingRetry, (await Client.GetRunAsync(crashed.Id)).State);
        await Client.PostAsync($"/api/flow-runs/{crashed.Id}/cancel", null);
        var over = await Client.GetRunAsync(crashed.Id);
        Assert.Equal((FlowRunState.Cancelled, (DateTime?)null), (over.State, over.NextAttemptAt));
        Assert.Empty(await PollAsync(pool.Name, "w", limit: 5));

        // AwaitingRetry and Skipped are the server's to set.
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/flow-runs/{failed.Id}/state", new SetStateRequest { State = FlowRunState.AwaitingRetry }), HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData(FlowRunState.Failed)]
    [InlineData(FlowRunState.Crashed)]
    [InlineData(FlowRunState.TimedOut)]
    public async Task A_run_whose_cancel_was_asked_for_is_not_retried_however_it_ends(FlowRunState end)
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            Retries = new RetryPolicyDto { MaxRetries = 3, DelaySeconds = 0 },
        });
        var run = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.SetStateAsync(run.Id, FlowRunState.Running);
        await Client.PostAsync($"/api/flow-runs/{run.Id}/cancel", null);
        Assert.Equal(FlowRunState.Cancelling, (await Client.GetRunAsync(run.Id)).State);

        // Its worker's stop made the flow end badly: a retryable state, but the run stays ended.
        var ended = await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = end, ExitCode = 143, Attempt = 1 });
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        var over = await Client.GetRunAsync(run.Id);
        Assert.Equal((end, 1, (DateTime?)null), (over.State, over.Attempt, over.NextAttemptAt));
        Assert.Empty(await PollAsync(pool.Name, "w", limit: 5));
        var history = await GetAsync<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history");
        Assert.Equal([FlowRunState.Cancelling, end], history.TakeLast(2).Select(h => h.State));
    }

    [Fact]
    public async Task A_retried_attempts_end_has_its_event_and_the_next_attempt_keeps_the_runs_parameters_and_job_variables()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            Retries = new RetryPolicyDto { MaxRetries = 1, DelaySeconds = 0 },
        });
        var run = await RunAsync(deployment.Id, new CreateFlowRunRequest
        {
            Parameters = new JsonObject { ["day"] = "2026-12-01", ["count"] = 3 },
            JobVariables = new JsonObject { ["env"] = new JsonObject { ["REGION"] = "eu" } },
        });

        await FailAttemptAsync(pool.Name, "w1", run.Id, 1);
        var retried = Assert.Single(await PollAsync(pool.Name, "w2", limit: 1));
        Assert.Equal(2, retried.Attempt);
        Assert.True(JsonNode.DeepEquals(run.Parameters, retried.Parameters), $"parameters of attempt 2: {retried.Parameters?.ToJsonString()}");
        Assert.True(JsonNode.DeepEquals(run.JobVariables, retried.JobVariables), $"job variables of attempt 2: {retried.JobVariables?.ToJsonString()}");
        Assert.Equal("eu", retried.JobVariables!["env"]!["REGION"]!.GetValue<string>());
        await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = FlowRunState.Running, Attempt = 2 });
        await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = FlowRunState.Completed, Attempt = 2, ExitCode = 0 });

        // One event per row of the timeline, in its order: attempt 1's Failed too, though the same save moved it on to AwaitingRetry.
        var history = await GetAsync<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history");
        var events = (await Client.EventsAsync($"?flowRun={run.Id}&type={EventTypes.FlowRunStateChanged}&limit=100")).AsEnumerable().Reverse().ToList();
        Assert.Equal(history.Select(h => h.State.ToString()), events.Select(e => e.Payload["state"]!.GetValue<string>()));
        var failed = Assert.Single(events, e => e.Payload["state"]!.GetValue<string>() == "Failed");
        Assert.Equal(("Running", 3, "w1"), (failed.Payload["previousState"]!.GetValue<string>(), failed.Payload["exitCode"]!.GetValue<int>(),
            failed.Related.Single(r => r.Kind == ResourceKinds.Worker).Name));
        var waiting = Assert.Single(events, e => e.Payload["state"]!.GetValue<string>() == "AwaitingRetry");
        Assert.Equal("Failed", waiting.Payload["previousState"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_run_the_reaper_crashed_is_retried_only_once_its_infrastructure_is_confirmed_gone_and_keeps_its_slot_meanwhile()
    {
        var pool = await CreatePoolAsync(limit: 1);
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            Retries = new RetryPolicyDto { MaxRetries = 1, DelaySeconds = 0 },
        });
        var lost = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "lost", limit: 1));
        await Client.PostJsonAsync($"/api/flow-runs/{lost.Id}/state", new SetStateRequest { State = FlowRunState.Running, InfrastructureId = "c-lost", Attempt = 1 });

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Empty(await PollAsync(pool.Name, "heir", limit: 0));
        await RunJobAsync<LeaseReaperJob, int>(j => j.RunAsync(default));
        var waiting = await Client.GetRunAsync(lost.Id);
        Assert.Equal((FlowRunState.AwaitingRetry, 2, "lost", "c-lost"), (waiting.State, waiting.Attempt, waiting.WorkerName, waiting.InfrastructureId));
        Assert.NotNull(waiting.InfrastructureHeldSince);
        Assert.Contains("Attempt 1 of 2 ended Crashed", waiting.StateMessage, StringComparison.Ordinal);
        var history = await GetAsync<List<StateChangeDto>>($"/api/flow-runs/{lost.Id}/history");
        Assert.Equal((FlowRunState.Crashed, 1), (history[^2].State, history[^2].Attempt));

        // Due at once, but its last attempt's container may still run: not claimed, and the diagnosis says why.
        Assert.Empty(await PollAsync(pool.Name, "heir", limit: 1));
        var diagnosis = await GetAsync<DiagnosisDto>($"/api/flow-runs/{lost.Id}/diagnosis");
        Assert.Contains("c-lost", Reason(diagnosis, DiagnosisCodes.InfrastructureHeld).Message, StringComparison.Ordinal);

        var answer = await (await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/infrastructure/reconcile", new ReconcileRequest
        {
            WorkerName = "heir",
            Infrastructure = [new FoundInfrastructure { FlowRunId = lost.Id, InfrastructureId = "c-lost", WorkerName = "lost", IsRunning = true }],
        })).ReadAsync<ReconcileAnswer>();
        Assert.Equal("c-lost", Assert.Single(answer.Remove).InfrastructureId);
        await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/infrastructure/released",
            new ReleasedRequest { WorkerName = "heir", Infrastructure = [new ReleasedInfrastructure(lost.Id, "c-lost")] });

        var retried = Assert.Single(await PollAsync(pool.Name, "heir", limit: 1));
        Assert.Equal((lost.Id, 2, "heir", (string?)null, (DateTime?)null), (retried.Id, retried.Attempt, retried.WorkerName, retried.InfrastructureId, retried.InfrastructureHeldSince));
        await Client.PostJsonAsync($"/api/flow-runs/{lost.Id}/state", new SetStateRequest { State = FlowRunState.Running, Attempt = 2 });
        await Client.PostJsonAsync($"/api/flow-runs/{lost.Id}/state", new SetStateRequest { State = FlowRunState.Completed, Attempt = 2, ExitCode = 0 });
        Assert.Equal((FlowRunState.Completed, 2), ((await Client.GetRunAsync(lost.Id)).State, (await Client.GetRunAsync(lost.Id)).Attempt));
    }

    [Fact]
    public async Task The_server_ends_a_run_its_worker_left_running_past_its_timeout_and_accepts_a_workers_own_TimedOut()
    {
        var pool = await CreatePoolAsync(type: "process", limit: 1);
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            TimeoutSeconds = 5,
            Retries = new RetryPolicyDto { MaxRetries = 1, DelaySeconds = 0, On = [FlowRunState.TimedOut] },
        });
        Assert.Equal(5, deployment.TimeoutSeconds);

        // The worker stops it itself and says so: TimedOut is accepted, and retried.
        var own = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.SetStateAsync(own.Id, FlowRunState.Running);
        await Client.PostJsonAsync($"/api/flow-runs/{own.Id}/state", new SetStateRequest { State = FlowRunState.TimedOut, Attempt = 1, Message = "Stopped after 5 s." });
        Assert.Equal((FlowRunState.AwaitingRetry, 2), ((await Client.GetRunAsync(own.Id)).State, (await Client.GetRunAsync(own.Id)).Attempt));

        // Attempt 2 hangs and its worker never acts: within the grace nothing happens, then the server ends it.
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.PostJsonAsync($"/api/flow-runs/{own.Id}/state", new SetStateRequest { State = FlowRunState.Running, Attempt = 2, InfrastructureId = "pid-42" });
        _time.Advance(TimeSpan.FromSeconds(5 + 29));
        Assert.Empty(await PollAsync(pool.Name, "w", limit: 0));
        await RunJobAsync<RunTimeoutJob, int>(j => j.RunAsync(default));
        Assert.Equal(FlowRunState.Running, (await Client.GetRunAsync(own.Id)).State);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await RunJobAsync<RunTimeoutJob, int>(j => j.RunAsync(default)));
        var timedOut = await Client.GetRunAsync(own.Id);
        Assert.Equal((FlowRunState.TimedOut, 2), (timedOut.State, timedOut.Attempt));
        Assert.Contains("past its deployment's timeout of 5 s", timedOut.StateMessage, StringComparison.Ordinal);
        Assert.NotNull(timedOut.InfrastructureHeldSince);

        // Its process may still run: the pool's only slot stays taken until a worker confirms it gone.
        var next = await RunAsync(deployment.Id);
        Assert.Empty(await PollAsync(pool.Name, "w", limit: 1));
        await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/infrastructure/released",
            new ReleasedRequest { WorkerName = "w", Infrastructure = [new ReleasedInfrastructure(own.Id, "pid-42")] });
        Assert.Equal(next.Id, Assert.Single(await PollAsync(pool.Name, "w", limit: 1)).Id);
        await Client.SetStateAsync(next.Id, FlowRunState.Completed);
    }

    [Fact]
    public async Task After_an_outage_runs_later_than_the_late_policy_allows_are_skipped_the_rest_run_and_maxScheduled_holds()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            LatePolicy = new LatePolicyDto { SkipAfterSeconds = 120, MaxScheduled = 3 },
        });
        Assert.Equal((120, 3), (deployment.LatePolicy!.SkipAfterSeconds, deployment.LatePolicy.MaxScheduled));

        // Ten runs, one a minute from now on; then no worker for ten minutes.
        var start = Now;
        var created = new List<FlowRunDto>();
        for (var i = 0; i < 10; i++)
        {
            created.Add(await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = start.AddMinutes(i + 1) }));
        }

        _time.Advance(TimeSpan.FromMinutes(6.5));
        // Due by now: runs 1-6 (1-4 more than 2 min late); 7-10 are not due yet.
        await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default));
        var states = await StatesAsync(created);
        Assert.Equal([.. Enumerable.Repeat(FlowRunState.Skipped, 4), FlowRunState.Late, FlowRunState.Late, .. Enumerable.Repeat(FlowRunState.Scheduled, 4)], states);
        var skipped = await Client.GetRunAsync(created[0].Id);
        Assert.Contains("not started 5 min 30 s after its expected start", skipped.StateMessage, StringComparison.Ordinal);
        Assert.Contains("more than 2 min late", skipped.StateMessage, StringComparison.Ordinal);

        // Four more minutes without a worker: runs 5-10 are due, 5-8 too late; 9 and 10 are within the limit, and never more than 3 wait.
        _time.Advance(TimeSpan.FromMinutes(4));
        await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default));
        states = await StatesAsync(created);
        Assert.Equal([.. Enumerable.Repeat(FlowRunState.Skipped, 8), FlowRunState.Late, FlowRunState.Late], states);

        // Backfilled runs in the past: the late policy applies to them too; maxScheduled keeps the newest 3.
        var backfill = new List<FlowRunDto>();
        for (var i = 0; i < 3; i++)
        {
            backfill.Add(await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = Now.AddSeconds(-20 + i) }));
        }

        await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default));
        var waiting = (await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}&limit=100"))
            .Where(r => r.State is FlowRunState.Scheduled or FlowRunState.Late).Select(r => r.Id).ToHashSet();
        Assert.Equal(backfill.Select(r => r.Id).ToHashSet(), waiting);
        Assert.Contains("keeps at most 3", (await Client.GetRunAsync(created[8].Id)).StateMessage, StringComparison.Ordinal);

        // The worker is back: the rest run.
        var claimed = await PollAsync(pool.Name, "back", limit: 10);
        Assert.Equal(waiting, claimed.Select(r => r.Id).ToHashSet());
    }

    [Fact]
    public async Task Twenty_concurrent_creators_of_a_CancelNew_deployment_leave_exactly_its_limit_alive()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            ConcurrencyLimit = 3,
            CollisionStrategy = CollisionStrategy.CancelNew,
        });
        Assert.Equal(CollisionStrategy.CancelNew, deployment.CollisionStrategy);

        var runs = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            using var client = Factory.CreateClient();
            return await client.CreateRunAsync(deployment.Id);
        })));

        Assert.Equal(3, runs.Count(r => r.State == FlowRunState.Scheduled));
        var cancelled = runs.Where(r => r.State == FlowRunState.Cancelled).ToList();
        Assert.Equal(17, cancelled.Count);
        Assert.All(cancelled, r => Assert.Contains("concurrency limit is 3 and its collision strategy is CancelNew", r.StateMessage, StringComparison.Ordinal));
        var stored = await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}&limit=100");
        Assert.Equal(3, stored.Count(r => !r.State.IsTerminal()));

        // A slot frees when one ends: the next creation lives.
        Assert.Equal(3, (await PollAsync(pool.Name, "w", limit: 5)).Count);
        await Client.SetStateAsync(runs.First(r => r.State == FlowRunState.Scheduled).Id, FlowRunState.Completed);
        Assert.Equal(FlowRunState.Scheduled, (await RunAsync(deployment.Id)).State);
        Assert.Equal(FlowRunState.Cancelled, (await RunAsync(deployment.Id)).State);
    }

    [Fact]
    public async Task CancelNew_counts_only_the_scheduled_runs_that_are_due_not_those_the_scheduler_made_ahead()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            ConcurrencyLimit = 1,
            CollisionStrategy = CollisionStrategy.CancelNew,
            Schedules = [new ScheduleDto { IntervalSeconds = 600 }],
        });
        Assert.True(await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default)) > 0);
        var ahead = await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}&limit=100");
        Assert.NotEmpty(ahead);
        Assert.All(ahead, r => Assert.True(r.State == FlowRunState.Scheduled && r.ExpectedStartAt > Now, $"{r.Name}: {r.State} at {r.ExpectedStartAt:O}"));

        // The scheduler's future runs are not waiting yet: a run made now lives; the next one finds it and is Cancelled.
        var manual = await RunAsync(deployment.Id);
        Assert.Equal(FlowRunState.Scheduled, manual.State);
        var second = await RunAsync(deployment.Id);
        Assert.Equal(FlowRunState.Cancelled, second.State);
        Assert.Contains("already has 1 unfinished run(s)", second.StateMessage, StringComparison.Ordinal);

        // Once the scheduler's first run is due it counts.
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.SetStateAsync(manual.Id, FlowRunState.Completed);
        var first = ahead.MinBy(r => r.ExpectedStartAt)!;
        _time.Advance(first.ExpectedStartAt - Now + TimeSpan.FromSeconds(1));
        var third = await RunAsync(deployment.Id);
        Assert.Equal(FlowRunState.Cancelled, third.State);
        Assert.Contains("already has 1 unfinished run(s)", third.StateMessage, StringComparison.Ordinal);
        Assert.Contains((await Client.GetRunAsync(first.Id)).State, new[] { FlowRunState.Scheduled, FlowRunState.Late });
    }

    [Fact]
    public async Task Twenty_concurrent_creates_with_one_idempotency_key_make_one_run_and_the_key_is_free_again_after_a_day()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            using var client = Factory.CreateClient();
            return await CreateWithKeyAsync(client, deployment.Id, key);
        })));

        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.Created));
        Assert.Equal(19, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.Single(answers.Select(a => a.Run.Id).Distinct());
        Assert.Single(await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}"));

        // Another deployment may use the same key; after 24 h the key makes a new run.
        var other = await CreateDeploymentAsync(pool.Name);
        Assert.Equal(HttpStatusCode.Created, (await CreateWithKeyAsync(Client, other.Id, key)).Status);
        _time.Advance(TimeSpan.FromHours(23));
        Assert.Equal(HttpStatusCode.OK, (await CreateWithKeyAsync(Client, deployment.Id, key)).Status);
        _time.Advance(TimeSpan.FromHours(1.01));
        var fresh = await CreateWithKeyAsync(Client, deployment.Id, key);
        Assert.Equal(HttpStatusCode.Created, fresh.Status);
        Assert.NotEqual(answers[0].Run.Id, fresh.Run.Id);
    }

    [Theory]
    [InlineData("""{"retries":{"maxRetries":101}}""", "retries.maxRetries")]
    [InlineData("""{"retries":{"maxRetries":1,"delaySeconds":-1}}""", "retries.delaySeconds")]
    [InlineData("""{"retries":{"maxRetries":1,"backoffFactor":0.5}}""", "retries.backoffFactor")]
    [InlineData("""{"retries":{"maxRetries":1,"jitterPercent":101}}""", "retries.jitterPercent")]
    [InlineData("""{"retries":{"maxRetries":1,"on":["Cancelled"]}}""", "retries.on[0]")]
    [InlineData("""{"retries":{"maxRetries":1,"on":[]}}""", "retries.on")]
    [InlineData("""{"timeoutSeconds":0}""", "timeoutSeconds")]
    [InlineData("""{"latePolicy":{"skipAfterSeconds":0}}""", "latePolicy.skipAfterSeconds")]
    [InlineData("""{"latePolicy":{"maxScheduled":0}}""", "latePolicy.maxScheduled")]
    public async Task Out_of_range_policies_are_refused_naming_the_field_on_create_and_patch(string policy, string field)
    {
        var pool = await CreatePoolAsync(type: "process");
        var before = await CountRowsAsync();
        var body = System.Text.Json.Nodes.JsonNode.Parse(policy)!.AsObject();
        body["flowName"] = Unique("f");
        body["name"] = "d";
        body["entrypoint"] = "x.sh";
        body["workPoolName"] = pool.Name;
        await AssertProblemAsync(await Client.PostAsJsonAsync("/api/deployments", body), HttpStatusCode.BadRequest, field);
        Assert.Equal(before, await CountRowsAsync());

        var deployment = await CreateDeploymentAsync(pool.Name);
        await AssertProblemAsync(await Client.PatchAsJsonAsync($"/api/deployments/{deployment.Id}", System.Text.Json.Nodes.JsonNode.Parse(policy)), HttpStatusCode.BadRequest, field);
        var unchanged = await GetAsync<DeploymentDto>($"/api/deployments/{deployment.Id}");
        Assert.Equal((null, null, null), (unchanged.Retries, unchanged.TimeoutSeconds, unchanged.LatePolicy));
    }

    [Fact]
    public async Task Policies_are_read_back_patched_and_cleared_and_CancelNew_needs_a_limit()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        Assert.Equal((CollisionStrategy.Enqueue, (RetryPolicyDto?)null, (int?)null, (LatePolicyDto?)null),
            (deployment.CollisionStrategy, deployment.Retries, deployment.TimeoutSeconds, deployment.LatePolicy));

        var response = await Client.PatchAsJsonAsync($"/api/deployments/{deployment.Id}", System.Text.Json.Nodes.JsonNode.Parse(
            """{"collisionStrategy":"CancelNew"}"""));
        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "collisionStrategy");

        var patched = await (await Client.PatchAsJsonAsync($"/api/deployments/{deployment.Id}", System.Text.Json.Nodes.JsonNode.Parse(
            """{"retries":{"maxRetries":2,"jitterPercent":20,"on":["TimedOut","Failed","Failed"]},"timeoutSeconds":60,"latePolicy":{"maxScheduled":5},"concurrencyLimit":2,"collisionStrategy":"CancelNew"}""")))
            .ReadAsync<DeploymentDto>();
        Assert.Equal([FlowRunState.Failed, FlowRunState.TimedOut], patched.Retries!.On);
        Assert.Equal((10, 20), (patched.Retries.DelaySeconds, patched.Retries.JitterPercent));
        Assert.Equal((60, (int?)null, (int?)5, CollisionStrategy.CancelNew), (patched.TimeoutSeconds, patched.LatePolicy!.SkipAfterSeconds, patched.LatePolicy.MaxScheduled, patched.CollisionStrategy));
        Assert.Equal(3, (await RunAsync(deployment.Id)).MaxAttempts);

        var cleared = await (await Client.PatchAsJsonAsync($"/api/deployments/{deployment.Id}", System.Text.Json.Nodes.JsonNode.Parse(
            """{"retries":null,"timeoutSeconds":null,"latePolicy":null,"collisionStrategy":"Enqueue"}"""))).ReadAsync<DeploymentDto>();
        Assert.Equal(((RetryPolicyDto?)null, (int?)null, (LatePolicyDto?)null, CollisionStrategy.Enqueue, (int?)2),
            (cleared.Retries, cleared.TimeoutSeconds, cleared.LatePolicy, cleared.CollisionStrategy, cleared.ConcurrencyLimit));
        Assert.Equal(1, (await RunAsync(deployment.Id)).MaxAttempts);
    }

    [Theory]
    [InlineData("has space")]
    public async Task A_bad_idempotency_key_is_refused_and_writes_nothing(string key)
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var before = await CountRowsAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/deployments/{deployment.Id}/runs") { Content = JsonContent.Create(new { }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        await AssertProblemAsync(await Client.SendAsync(request), HttpStatusCode.BadRequest, "Idempotency-Key");
        using var tooLong = new HttpRequestMessage(HttpMethod.Post, $"/api/deployments/{deployment.Id}/runs") { Content = JsonContent.Create(new { }) };
        tooLong.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 129));
        await AssertProblemAsync(await Client.SendAsync(tooLong), HttpStatusCode.BadRequest, "Idempotency-Key");
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task Retries_timeouts_and_skips_are_counted_per_pool_and_deployment_in_metrics()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreatePolicyDeploymentAsync(pool.Name, new CreateDeploymentRequest
        {
            Retries = new RetryPolicyDto { MaxRetries = 1, DelaySeconds = 0 },
            LatePolicy = new LatePolicyDto { SkipAfterSeconds = 30 },
        });
        var run = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.SetStateAsync(run.Id, FlowRunState.Running);
        await Client.SetStateAsync(run.Id, FlowRunState.TimedOut);
        Assert.Single(await PollAsync(pool.Name, "w", limit: 1));
        await Client.SetStateAsync(run.Id, FlowRunState.Running);
        await Client.SetStateAsync(run.Id, FlowRunState.TimedOut);
        await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = Now.AddMinutes(-5) });
        await RunJobAsync<LatePolicyJob, int>(j => j.RunAsync(default));

        var name = $"{deployment.FlowName}/{deployment.Name}";
        var metrics = "";
        await Wait.UntilAsync(async () => PrometheusText.TryValue(metrics = await (await Client.GetAsync("/metrics")).Content.ReadAsStringAsync(),
            "console_flow_runs_skipped_total", ("pool", pool.Name), ("deployment", name)) == 1, "the skip to show in /metrics", 15);
        Assert.Equal(1, PrometheusText.Value(metrics, "console_flow_runs_retried_total", ("pool", pool.Name), ("deployment", name), ("state", "TimedOut")));
        Assert.Equal(2, PrometheusText.Value(metrics, "console_flow_runs_timed_out_total", ("pool", pool.Name), ("deployment", name)));
        Assert.Equal(1, PrometheusText.Value(metrics, "console_flow_runs_skipped_total", ("pool", pool.Name), ("deployment", name)));
    }

    /// <summary>One attempt as a worker runs it: claimed (by <paramref name="worker"/>, or whoever polls), Running, a line of output, Failed with exit code 3.</summary>
    private async Task FailAttemptAsync(string pool, string? worker, Guid run, int attempt)
    {
        if (worker is not null)
        {
            Assert.Equal(run, Assert.Single(await PollAsync(pool, worker, limit: 1)).Id);
        }

        await Client.PostJsonAsync($"/api/flow-runs/{run}/state", new SetStateRequest { State = FlowRunState.Running, Attempt = attempt });
        await Client.LogAsync(run, $"attempt {attempt} says hi");
        var ended = await Client.PostJsonAsync($"/api/flow-runs/{run}/state", new SetStateRequest { State = FlowRunState.Failed, ExitCode = 3, Attempt = attempt });
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
    }

    private async Task<DeploymentDto> CreatePolicyDeploymentAsync(string pool, CreateDeploymentRequest policies)
    {
        var response = await Client.PostJsonAsync("/api/deployments", policies with
        {
            FlowName = Unique("flow"),
            Name = Unique("dep"),
            Entrypoint = "flow.sh",
            Command = "echo hi",
            WorkPoolName = pool,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<DeploymentDto>();
    }

    private static async Task<(HttpStatusCode Status, FlowRunDto Run)> CreateWithKeyAsync(HttpClient client, Guid deployment, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/deployments/{deployment}/runs") { Content = JsonContent.Create(new { }) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.ReadAsync<FlowRunDto>());
    }

    private async Task<List<FlowRunState>> StatesAsync(IEnumerable<FlowRunDto> runs)
    {
        var states = new List<FlowRunState>();
        foreach (var run in runs)
        {
            states.Add((await Client.GetRunAsync(run.Id)).State);
        }

        return states;
    }

    private static DiagnosisReason Reason(DiagnosisDto diagnosis, string code) =>
        diagnosis.Reasons.SingleOrDefault(r => r.Code == code)
        ?? throw new Xunit.Sdk.XunitException($"no '{code}' reason in: {string.Join(" | ", diagnosis.Reasons.Select(r => $"{r.Code}: {r.Message}"))}");
}

public sealed class SqliteRunPolicyTests(StatusRuleTests.FakeClockApi factory) : RunPolicyTests(factory), IClassFixture<StatusRuleTests.FakeClockApi>;

public sealed class PostgresRunPolicyTests(StatusRuleTests.PostgresFakeClockApi factory) : RunPolicyTests(factory), IClassFixture<StatusRuleTests.PostgresFakeClockApi>;

using System.Collections.Concurrent;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Feed;
using Console.Tests.Api;
using Console.Tests.Automations;
using Console.Tests.Infrastructure;
using Console.Web.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Jobs;

/// <summary>The server's periodic jobs, called directly on a fake clock, against a real SQLite file and a real PostgreSQL database.</summary>
public abstract class ServerJobTests : ApiTestBase
{
    private readonly FakeTimeProvider _time;

    protected ServerJobTests(ApiFactory factory)
        : base(factory)
    {
        _time = factory.Time!;
    }

    [Fact]
    public async Task An_interval_schedule_yields_each_occurrence_exactly_once_across_runs_and_restarts()
    {
        var pool = await CreatePoolAsync(type: "process");
        var response = await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "every-ten-minutes", Name = Unique("d"), Entrypoint = "x.sh", WorkPoolName = pool.Name,
            Schedules = [new ScheduleDto { IntervalSeconds = 600 }],
        });
        var deployment = await response.ReadAsync<DeploymentDto>();

        var first = await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default));
        var again = await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default));
        Assert.Equal(6, first); // one hour ahead, every ten minutes
        Assert.Equal(0, again);

        // Time passes and the server "restarts" (new scopes, nothing kept in memory): only the new occurrences appear.
        _time.Advance(TimeSpan.FromMinutes(25));
        Assert.Equal(2, await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default)));
        Assert.Equal(0, await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default)));

        var runs = await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}&limit=100");
        Assert.Equal(8, runs.Count);
        Assert.Equal(8, runs.Select(r => r.ExpectedStartAt).Distinct().Count());
        var starts = runs.Select(r => r.ExpectedStartAt).Order().ToList();
        Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(10), pair.Second - pair.First));
    }

    [Fact]
    public async Task A_paused_deployment_gets_no_scheduled_runs()
    {
        var pool = await CreatePoolAsync(type: "process");
        var response = await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "paused-sched", Name = Unique("d"), Entrypoint = "x.sh", WorkPoolName = pool.Name, IsPaused = true,
            Schedules = [new ScheduleDto { Cron = "* * * * *" }],
        });
        var deployment = await response.ReadAsync<DeploymentDto>();
        await RunJobAsync<SchedulerJob, int>(j => j.RunAsync(default));
        Assert.Empty(await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}"));
    }

    [Fact]
    public async Task The_reaper_settles_the_runs_of_an_offline_worker_and_frees_their_slots()
    {
        var pool = await CreatePoolAsync(type: "process", limit: 2);
        var deployment = await CreateDeploymentAsync(pool.Name);
        var a = await RunAsync(deployment.Id);
        var b = await RunAsync(deployment.Id);
        var c = await RunAsync(deployment.Id);
        var claimed = await PollAsync(pool.Name, "doomed", limit: 2);
        Assert.Equal(2, claimed.Count);
        var running = claimed[0];
        await Client.PostJsonAsync($"/api/flow-runs/{running.Id}/state", new SetStateRequest { State = FlowRunState.Running });

        // Still online: nothing happens, and the pool is full.
        Assert.Equal(0, await RunJobAsync<LeaseReaperJob, int>(j => j.RunAsync(default)));
        Assert.Empty(await PollAsync(pool.Name, "other"));

        // "doomed" misses three heartbeats; "other" keeps polling.
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Empty(await PollAsync(pool.Name, "other", limit: 0));
        Assert.Equal(2, await RunJobAsync<LeaseReaperJob, int>(j => j.RunAsync(default)));

        var crashed = await GetAsync<FlowRunDto>($"/api/flow-runs/{running.Id}");
        Assert.Equal(FlowRunState.Crashed, crashed.State);
        Assert.Contains("doomed", crashed.StateMessage, StringComparison.Ordinal);
        var requeued = await GetAsync<FlowRunDto>($"/api/flow-runs/{claimed[1].Id}");
        // Back in the queue, and Late by now: its start was 31 s ago.
        Assert.Equal((FlowRunState.Late, (string?)null), (requeued.State, requeued.WorkerName));

        // Both slots are free again: the requeued run and the third one go to the live worker.
        var next = await PollAsync(pool.Name, "other", limit: 5);
        Assert.Equal(2, next.Count);
        Assert.Subset(new[] { a.Id, b.Id, c.Id }.ToHashSet(), next.Select(r => r.Id).ToHashSet());
    }

    [Fact]
    public async Task A_reaped_run_keeps_its_slot_until_a_worker_of_the_pool_reports_its_container_removed()
    {
        var pool = await CreatePoolAsync(limit: 1);
        var deployment = await CreateDeploymentAsync(pool.Name);
        var lost = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "lost", limit: 1));
        await Client.PostJsonAsync($"/api/flow-runs/{lost.Id}/state", new SetStateRequest { State = FlowRunState.Running, InfrastructureId = "c-lost" });
        var next = await RunAsync(deployment.Id);

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Empty(await PollAsync(pool.Name, "heir", limit: 0));
        await RunJobAsync<LeaseReaperJob, int>(j => j.RunAsync(default)); // (other tests' runs of this database may be reaped too)
        var crashed = await GetAsync<FlowRunDto>($"/api/flow-runs/{lost.Id}");
        Assert.Equal((FlowRunState.Crashed, _time.GetUtcNow().UtcDateTime, (DateTime?)null),
            (crashed.State, crashed.InfrastructureHeldSince!.Value, crashed.InfrastructureReleasedAt));

        // Its container may still run: the slot stays taken.
        Assert.Empty(await PollAsync(pool.Name, "heir"));

        // The heir sees the container (and one of a deleted run, one of a run back in the queue, one of a stranger).
        var found = new ReconcileRequest
        {
            WorkerName = "heir",
            Infrastructure =
            [
                new FoundInfrastructure { FlowRunId = lost.Id, InfrastructureId = "c-lost", WorkerName = "lost", IsRunning = true },
                new FoundInfrastructure { FlowRunId = Guid.NewGuid(), InfrastructureId = "c-deleted", WorkerName = "lost", IsRunning = false },
                new FoundInfrastructure { FlowRunId = next.Id, InfrastructureId = "c-next", WorkerName = "heir", IsRunning = true },
                // Another console on the same engine with a pool of the same name: not ours to remove.
                new FoundInfrastructure { FlowRunId = Guid.NewGuid(), InfrastructureId = "c-foreign", WorkerName = "elsewhere", IsRunning = true },
            ],
        };
        var answer = await (await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/infrastructure/reconcile", found)).ReadAsync<ReconcileAnswer>();
        Assert.Equal(["c-deleted", "c-lost", "c-next"], answer.Remove.Select(r => r.InfrastructureId).Order(StringComparer.Ordinal));
        Assert.Contains("lease reaper", answer.Remove.Single(r => r.InfrastructureId == "c-lost").Reason, StringComparison.Ordinal);
        Assert.Contains("went back to the queue", answer.Remove.Single(r => r.InfrastructureId == "c-next").Reason, StringComparison.Ordinal);
        Assert.Empty(answer.Released);
        Assert.Empty(await PollAsync(pool.Name, "heir")); // asked, not yet removed: still held

        var released = await (await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/infrastructure/released",
            new ReleasedRequest { WorkerName = "heir", Infrastructure = [new ReleasedInfrastructure(lost.Id, "c-lost")] })).ReadAsync<ReleasedAnswer>();
        Assert.Equal(1, released.Released);
        var freed = await GetAsync<FlowRunDto>($"/api/flow-runs/{lost.Id}");
        Assert.Equal((FlowRunState.Crashed, (DateTime?)null, _time.GetUtcNow().UtcDateTime),
            (freed.State, freed.InfrastructureHeldSince, freed.InfrastructureReleasedAt!.Value));
        Assert.Contains(await GetAsync<List<LogLineDto>>($"/api/flow-runs/{lost.Id}/logs"),
            l => l.Stream == "worker" && l.Message.Contains("heir stopped and removed the run's infrastructure c-lost", StringComparison.Ordinal));

        Assert.Equal(next.Id, Assert.Single(await PollAsync(pool.Name, "heir")).Id);
        await Client.PostJsonAsync($"/api/flow-runs/{next.Id}/state", new SetStateRequest { State = FlowRunState.Completed });
        // A second report changes nothing.
        Assert.Equal(0, (await (await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/infrastructure/released",
            new ReleasedRequest { WorkerName = "heir", Infrastructure = [new ReleasedInfrastructure(lost.Id, "c-lost")] })).ReadAsync<ReleasedAnswer>()).Released);
    }

    [Fact]
    public async Task A_held_slot_is_freed_when_its_own_worker_finds_nothing_left_or_once_the_hold_bound_passes()
    {
        var pool = await CreatePoolAsync(limit: 1);
        var deployment = await CreateDeploymentAsync(pool.Name);
        var first = await LostRunAsync(pool.Name, deployment.Id, "back");
        var waiting = await RunAsync(deployment.Id);
        Assert.Empty(await PollAsync(pool.Name, "back"));

        // Its worker returns under the same name and its engine shows nothing of the run.
        var answer = await (await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/infrastructure/reconcile",
            new ReconcileRequest { WorkerName = "back", Infrastructure = [] })).ReadAsync<ReconcileAnswer>();
        Assert.Equal(first, Assert.Single(answer.Released));
        Assert.Equal(waiting.Id, Assert.Single(await PollAsync(pool.Name, "back")).Id);
        await Client.PostJsonAsync($"/api/flow-runs/{waiting.Id}/state", new SetStateRequest { State = FlowRunState.Completed });

        // No worker ever confirms (a process pool's child, an engine nobody reaches): the bound frees it.
        await LostRunAsync(pool.Name, deployment.Id, "gone-for-good");
        var last = await RunAsync(deployment.Id);
        _time.Advance(TimeSpan.FromSeconds(590));
        Assert.Empty(await PollAsync(pool.Name, "heir"));
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(last.Id, Assert.Single(await PollAsync(pool.Name, "heir")).Id);
        await Client.PostJsonAsync($"/api/flow-runs/{last.Id}/state", new SetStateRequest { State = FlowRunState.Completed });
    }

    /// <summary>A run claimed by <paramref name="worker"/>, Running on container "c-...", then reaped: Crashed and holding its slot.</summary>
    private async Task<Guid> LostRunAsync(string pool, Guid deploymentId, string worker)
    {
        var run = await RunAsync(deploymentId);
        Assert.Equal(run.Id, Assert.Single(await PollAsync(pool, worker, limit: 1)).Id);
        await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = FlowRunState.Running, InfrastructureId = "c-" + worker });
        _time.Advance(TimeSpan.FromSeconds(31));
        await RunJobAsync<LeaseReaperJob, int>(j => j.RunAsync(default));
        Assert.NotNull((await GetAsync<FlowRunDto>($"/api/flow-runs/{run.Id}")).InfrastructureHeldSince);
        return run.Id;
    }

    [Fact]
    public async Task The_foreman_publishes_a_worker_going_offline_and_a_queue_turning_red()
    {
        var pool = await CreatePoolAsync(type: "process");
        await PollAsync(pool.Name, "quiet", limit: 0);
        var seen = new ConcurrentQueue<ChangeEvent>();
        using var subscription = Factory.Services.GetRequiredService<IChangeFeed>().Subscribe(e =>
        {
            if (e.PoolName == pool.Name)
            {
                seen.Enqueue(e);
            }
        });

        await RunJobAsync<ForemanJob, bool>(async j => { await j.RunAsync(default); return true; });
        Assert.Empty(seen);

        _time.Advance(TimeSpan.FromSeconds(61));
        await RunJobAsync<ForemanJob, bool>(async j => { await j.RunAsync(default); return true; });
        Assert.Contains(seen, e => e is WorkerChanged { Worker: { Name: "quiet", Status: WorkerStatus.Offline } });
        Assert.Contains(seen, e => e is QueueChanged { Queue: { Name: "default", Status: QueueStatus.NotReady } });
        Assert.Contains(seen, e => e is PoolChanged { Pool.Status: PoolStatus.NotReady });
    }

    [Fact]
    public async Task Each_worker_that_goes_offline_is_recorded_once_however_many_passes_see_it()
    {
        var pool = await CreatePoolAsync(type: "process");
        await Client.HeartbeatAsync(pool.Name, "first", intervalSeconds: 10);
        await Client.HeartbeatAsync(pool.Name, "second", intervalSeconds: 10);
        _time.Advance(TimeSpan.FromSeconds(20));
        await Client.HeartbeatAsync(pool.Name, "second", intervalSeconds: 10);
        var offline = async () => (await Client.EventsAsync($"?pool={pool.Name}&type={EventTypes.WorkerOffline}&limit=100"))
            .Select(e => e.Resource.Name).Order().ToList();

        // 35 s after its last heartbeat "first" is Offline (three intervals of 10 s); "second" heard 15 s ago is not.
        _time.Advance(TimeSpan.FromSeconds(15));
        await RunJobAsync<TimedTriggersJob, bool>(async j => { await j.RunAsync(default); return true; });
        await RunJobAsync<TimedTriggersJob, bool>(async j => { await j.RunAsync(default); return true; });
        Assert.Equal(["first"], await offline());

        // The passes that follow find "first" recorded already and record "second" once it goes too.
        _time.Advance(TimeSpan.FromSeconds(20));
        for (var pass = 0; pass < 3; pass++)
        {
            await RunJobAsync<TimedTriggersJob, bool>(async j => { await j.RunAsync(default); return true; });
        }

        Assert.Equal(["first", "second"], await offline());
    }

    [Fact]
    public async Task Retention_deletes_old_ended_runs_with_their_logs_only()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var old = await RunAsync(deployment.Id);
        await Client.PostAsync($"/api/flow-runs/{old.Id}/cancel", null);
        await Client.PostJsonAsync($"/api/flow-runs/{old.Id}/logs", new[] { new NewLogLine { Message = "bye" } });
        var waiting = await RunAsync(deployment.Id);

        _time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, await RunJobAsync<RetentionJob, int>(j => j.RunAsync(default)));
        var remaining = await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}");
        Assert.Equal(waiting.Id, Assert.Single(remaining).Id);
    }
}

public sealed class SqliteServerJobTests(StatusRuleTests.FakeClockApi factory) : ServerJobTests(factory), IClassFixture<StatusRuleTests.FakeClockApi>;

public sealed class PostgresServerJobTests(StatusRuleTests.PostgresFakeClockApi factory) : ServerJobTests(factory), IClassFixture<StatusRuleTests.PostgresFakeClockApi>;

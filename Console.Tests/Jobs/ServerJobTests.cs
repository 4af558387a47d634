using System.Collections.Concurrent;
using Console.Contracts;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Feed;
using Console.Tests.Api;
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

    private async Task<TResult> RunJobAsync<TJob, TResult>(Func<TJob, Task<TResult>> run)
        where TJob : notnull
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await run(scope.ServiceProvider.GetRequiredService<TJob>());
    }
}

public sealed class SqliteServerJobTests(StatusRuleTests.FakeClockApi factory) : ServerJobTests(factory), IClassFixture<StatusRuleTests.FakeClockApi>;

public sealed class PostgresServerJobTests(StatusRuleTests.PostgresFakeClockApi factory) : ServerJobTests(factory), IClassFixture<StatusRuleTests.PostgresFakeClockApi>;

using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Console.Web.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Jobs;

/// <summary>
/// The server jobs on two replicas sharing one database, started at the same moment: whichever
/// replica gets there first, the outcome is the one a single server would have produced.
/// </summary>
public sealed class ReplicaJobTests : IDisposable
{
    private readonly SharedDatabase _database = new();
    private readonly ReplicaServer _a;
    private readonly ReplicaServer _b;
    private readonly HttpClient _http;

    public ReplicaJobTests()
    {
        // Both on a fake clock at the same instant, so both see the very same occurrences.
        _a = new ReplicaServer(_database.Settings, fakeTime: true);
        _b = new ReplicaServer(_database.Settings, fakeTime: true);
        _http = _b.CreateHttpClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _a.Dispose();
        _b.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task The_scheduler_on_two_replicas_at_once_makes_each_occurrence_exactly_once()
    {
        var api = _http;
        var pool = ConsoleApi.UniqueName("sched");
        await api.CreatePoolAsync(pool);
        var deployments = new List<DeploymentDto>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await _http.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
            {
                FlowName = "every-minute",
                Name = ConsoleApi.UniqueName("d"),
                Entrypoint = "x.sh",
                WorkPoolName = pool,
                Schedules = [new ScheduleDto { IntervalSeconds = 60 }],
            });
            response.EnsureSuccessStatusCode();
            deployments.Add(await response.ReadAsync<DeploymentDto>());
        }

        // Three passes, each on both replicas at once; then time moves on and they race again.
        var created = 0;
        for (var pass = 0; pass < 3; pass++)
        {
            created += (await BothAtOnceAsync<SchedulerJob>(j => j.RunAsync(default))).Sum();
        }

        _a.Time!.Advance(TimeSpan.FromMinutes(5));
        _b.Time!.Advance(TimeSpan.FromMinutes(5));
        created += (await BothAtOnceAsync<SchedulerJob>(j => j.RunAsync(default))).Sum();

        // An hour ahead every minute, then five more minutes: 65 occurrences per deployment.
        Assert.Equal(4 * 65, created);
        foreach (var deployment in deployments)
        {
            var runs = await _http.GetFromJson<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}&limit=500");
            Assert.Equal(65, runs.Count);
            Assert.Equal(65, runs.Select(r => r.ExpectedStartAt).Distinct().Count());
        }
    }

    [Fact]
    public async Task The_lease_reaper_on_two_replicas_at_once_settles_each_run_once()
    {
        var api = _http;
        var pool = ConsoleApi.UniqueName("reap");
        await api.CreatePoolAsync(pool);
        var deployment = await api.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("flow"), "reap");
        var runs = new List<FlowRunDto>();
        for (var i = 0; i < 6; i++)
        {
            runs.Add(await api.CreateRunAsync(deployment.Id));
        }

        Assert.Equal(6, (await api.ClaimAsync(pool, "doomed")).Count);
        await api.SetStateAsync(runs[0].Id, FlowRunState.Running);

        // The worker misses its heartbeats; both replicas notice at the same moment.
        _a.Time!.Advance(TimeSpan.FromSeconds(61));
        _b.Time!.Advance(TimeSpan.FromSeconds(61));
        var reaped = await BothAtOnceAsync<LeaseReaperJob>(j => j.RunAsync(default));

        Assert.Equal(6, reaped.Sum());
        foreach (var run in runs)
        {
            var history = await _http.GetFromJson<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history");
            Assert.Single(history, h => h.Message?.Contains("doomed", StringComparison.Ordinal) == true);
        }

        Assert.Equal(FlowRunState.Crashed, (await _http.GetFromJson<FlowRunDto>($"/api/flow-runs/{runs[0].Id}")).State);
    }

    private Task<int[]> BothAtOnceAsync<TJob>(Func<TJob, Task<int>> run)
        where TJob : notnull => ReplicaServer.AtOnceAsync([_a, _b], run);
}

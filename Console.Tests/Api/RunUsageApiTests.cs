using System.Net;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using static Console.Testing.PrometheusText;

namespace Console.Tests.Api;

/// <summary>The usage a worker reports with a run's end: checked, stored, shown with wait and run time, counted on /metrics.</summary>
public sealed class RunUsageApiTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData(-1.0, null, "usage.cpuSeconds")]
    [InlineData(2e9, null, "usage.cpuSeconds")]
    [InlineData(null, -5L, "usage.peakMemoryBytes")]
    [InlineData(null, (1L << 50) + 1, "usage.peakMemoryBytes")]
    public async Task A_usage_no_infrastructure_can_have_measured_is_refused_and_nothing_is_written(double? cpu, long? memory, string field)
    {
        var run = await RunningAsync();

        var response = await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest
        {
            State = FlowRunState.Completed, ExitCode = 0, Usage = new FlowRunUsageDto { CpuSeconds = cpu, PeakMemoryBytes = memory },
        });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        var after = await Client.GetRunAsync(run.Id);
        Assert.Equal(FlowRunState.Running, after.State);
        Assert.Null(after.Usage!.CpuSeconds);
        Assert.Null(after.Usage.PeakMemoryBytes);
    }

    [Fact]
    public async Task A_reported_usage_is_stored_with_the_wait_and_run_time_and_counted_per_pool_and_deployment()
    {
        var run = await RunningAsync();
        Assert.NotNull(run.Usage!.WaitSeconds);
        Assert.Null(run.Usage.RunSeconds);

        var response = await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest
        {
            State = FlowRunState.Completed, ExitCode = 0,
            // The wait and run time are the server's own: a worker's figures for them are not read.
            Usage = new FlowRunUsageDto { CpuSeconds = 2.5, PeakMemoryBytes = 48L << 20, WaitSeconds = 999_999, RunSeconds = 999_999 },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var done = await Client.GetRunAsync(run.Id);
        Assert.Equal(2.5, done.Usage!.CpuSeconds);
        Assert.Equal(48L << 20, done.Usage.PeakMemoryBytes);
        Assert.InRange(done.Usage.RunSeconds!.Value, 0, (done.EndedAt!.Value - done.StartedAt!.Value).TotalSeconds + 0.001);
        Assert.InRange(done.Usage.WaitSeconds!.Value, 0, 60);

        // A repeated end (the outbox resends it) counts nothing twice.
        await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest
        {
            State = FlowRunState.Completed, ExitCode = 0, Usage = new FlowRunUsageDto { CpuSeconds = 2.5 },
        });
        Assert.Equal(2.5, (await Client.GetRunAsync(run.Id)).Usage!.CpuSeconds);
        var metrics = await Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(2.5, Value(metrics, "console_flow_run_cpu_seconds_total", ("pool", run.WorkPoolName), ("deployment", $"{run.FlowName}/{run.DeploymentName}")));

        // The insights chart's numbers: this deployment's CPU-hours and peak over the last day.
        var insights = await GetAsync<Contracts.Metrics.UsageInsightsDto>($"/api/insights/usage?pool={run.WorkPoolName}&range=Day");
        var row = Assert.Single(insights.Deployments);
        Assert.Equal((run.DeploymentId, 1, 2.5 / 3600, (long?)(48L << 20)), (row.DeploymentId, row.Runs, row.CpuHours, row.PeakMemoryBytes));
    }

    private async Task<FlowRunDto> RunningAsync()
    {
        var pool = (await CreatePoolAsync(type: "process")).Name;
        var deployment = await CreateDeploymentAsync(pool);
        var run = await RunAsync(deployment.Id);
        Assert.Single(await Client.ClaimAsync(pool, "usage-worker"));
        await Client.SetStateAsync(run.Id, FlowRunState.Running);
        return await Client.GetRunAsync(run.Id);
    }
}

using Bunit;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.Deployments;
using Console.Core.FlowRuns;
using Console.Core.Polling;
using Console.Core.WorkPools;
using Console.Tests.Web.Components;
using Console.Web.Components.Observability;
using MudBlazor;

namespace Console.Tests.Observability;

/// <summary>
/// "Runs by state" counts runs, not state entries: over the real services and database, runs that
/// each passed three states (Scheduled, Pending, an end) show once each, under the state they ended in.
/// </summary>
public sealed class InsightsRunCountTests : ComponentTestBase
{
    protected override bool UsesDatabase => true;

    [Fact]
    public async Task Forty_runs_with_three_states_each_chart_as_forty_runs_per_final_state()
    {
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "charted", Type = "process" }));
        var deployment = await CallAsync((DeploymentService s) => s.CreateAsync(new CreateDeploymentRequest
        {
            FlowName = "hello", Name = "counted", Entrypoint = "flows/hello.sh", WorkPoolName = "charted",
        }));
        var runs = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            runs.Add((await CallAsync((DeploymentService s) => s.CreateRunAsync(deployment.Id, new CreateFlowRunRequest()))).Id);
            Time.Advance(TimeSpan.FromSeconds(20));
        }

        var claimed = 0;
        while (claimed < runs.Count)
        {
            var batch = await CallAsync((PollService s) => s.PollAsync("charted", new PollRequest { WorkerName = "w1", Limit = 10 }, CancellationToken.None));
            Assert.NotEmpty(batch);
            claimed += batch.Count;
        }

        Time.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < runs.Count; i++)
        {
            var end = i < 30 ? FlowRunState.Completed : FlowRunState.Failed;
            await CallAsync((FlowRunService s) => s.SetStateAsync(runs[i], new SetStateRequest { State = end }));
        }

        var history = await CallAsync((FlowRunService s) => s.HistoryAsync(runs[0]));
        Assert.Equal(3, history.Count);

        var panel = RenderWithProviders<InsightsPanel>(p => p.Add(c => c.Pool, "charted"));
        var chart = panel.WaitForComponent<RunStateChart>();
        var series = chart.FindComponent<MudChart<double>>().Instance.ChartSeries;
        var totals = series.ToDictionary(s => s.Name, s => Enumerable.Range(0, s.Data.Count).Sum(i => s.Data.GetValue(i)));

        Assert.Equal(new Dictionary<string, double> { ["Created"] = 40, ["Completed"] = 30, ["Failed"] = 10 }, totals);
        Assert.Equal(40, totals["Completed"] + totals["Failed"]);
        Assert.Equal("Created 40 · Completed 30 · Failed 10", chart.Find("[data-testid=runs-by-state-totals]").TextContent.Trim());
    }
}

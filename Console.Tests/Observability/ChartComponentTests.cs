using Bunit;
using Console.Contracts.Metrics;
using Console.Tests.Web.Components;
using Console.Web.Components.Observability;

namespace Console.Tests.Observability;

/// <summary>The chart components render MudBlazor charts and their numbers from an insights result.</summary>
public sealed class ChartComponentTests : ComponentTestBase
{
    private static readonly DateTime Start = new(2026, 1, 5, 11, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Runs_by_state_chart_draws_a_series_per_state_with_totals()
    {
        var cut = Context.Render<RunStateChart>(p => p.Add(c => c.Data, Data()));

        Assert.NotEmpty(cut.FindAll(".mud-chart svg"));
        Assert.Equal("Created 7 · Completed 6 · Failed 1", cut.Find("[data-testid=runs-by-state-totals]").TextContent.Trim());
        Assert.Contains("Completed", cut.Markup, StringComparison.Ordinal);
        // The chart fills its card (MatchBoundsToSize): it draws its axis once the browser measured
        // it, which bUnit has no layout for, so the bucket labels are read from what the chart gets.
        Assert.Contains("11:00", cut.FindComponent<MudBlazor.MudChart<double>>().Instance.ChartLabels);
    }

    [Fact]
    public void Latency_chart_shows_the_percentiles()
    {
        var cut = Context.Render<LatencyChart>(p => p.Add(c => c.Data, Data()));

        Assert.NotEmpty(cut.FindAll(".mud-chart svg"));
        Assert.Equal("4 claims: p50 20 ms, p90 2 s, p99 2 s, max 2 s", cut.Find("[data-testid=latency-summary]").TextContent.Trim());
    }

    [Fact]
    public void Latency_below_a_second_is_drawn_in_milliseconds()
    {
        var fast = new double?[12];
        fast[10] = 0.02;
        fast[11] = 0.35;
        var cut = Context.Render<LatencyChart>(p => p.Add(c => c.Data, Data() with
        {
            LatencyP50 = fast, LatencyP90 = fast, LatencyP99 = fast, Latency = new LatencySummary(2, 0.02, 0.35, 0.35, 0.35),
        }));

        var series = cut.FindComponent<MudBlazor.MudChart<double>>().Instance.ChartSeries;
        Assert.Equal(["p50 (ms)", "p90 (ms)", "p99 (ms)"], series.Select(s => s.Name));
        Assert.Equal(350, series[0].Data.GetValue(11), precision: 6);
        Assert.Equal("2 claims: p50 20 ms, p90 350 ms, p99 350 ms, max 350 ms", cut.Find("[data-testid=latency-summary]").TextContent.Trim());
    }

    [Fact]
    public void Backlog_chart_shows_the_backlog_now()
    {
        var cut = Context.Render<BacklogChart>(p => p.Add(c => c.Data, Data()));

        Assert.Equal(2, cut.FindAll(".mud-chart svg").Count);
        Assert.Equal("Now: 3 scheduled, 1 late; oldest due run waiting 1 min 30 s", cut.Find("[data-testid=backlog-now]").TextContent.Trim());
    }

    [Fact]
    public void Runs_by_state_chart_without_runs_says_so()
    {
        var cut = Context.Render<RunStateChart>(p => p.Add(c => c.Data, Data() with { RunsCreated = new int[12], RunsByState = new Dictionary<string, int[]>() }));

        Assert.Equal("No runs were created or ended in this range.", cut.Find("[data-testid=chart-empty]").TextContent);
    }

    private static InsightsDto Data()
    {
        const int n = 12;
        var latency = new double?[n];
        latency[10] = 0.02;
        latency[11] = 2;
        return new InsightsDto
        {
            From = Start,
            To = Start.AddHours(1),
            BucketSeconds = 300,
            Buckets = [.. Enumerable.Range(0, n).Select(i => Start.AddMinutes(5 * i))],
            RunsCreated = [1, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0],
            RunsByState = new Dictionary<string, int[]>
            {
                ["Completed"] = [0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0],
                ["Failed"] = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
            },
            Waiting = [0, 0, 1, 1, 2, 0, 0, 0, 0, 1, 2, 3],
            Late = [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1],
            OldestWaitSeconds = [0, 0, 5, 20, 35, 0, 0, 0, 0, 3, 40, 90],
            LatencyP50 = latency,
            LatencyP90 = latency,
            LatencyP99 = latency,
            Latency = new LatencySummary(4, 0.02, 2, 2, 2),
            Backlog = new BacklogNow(3, 1, 90, Start.AddMinutes(58)),
        };
    }
}

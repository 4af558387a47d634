using System.Text.RegularExpressions;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Worker;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>A CPU-busy run by a real process worker: its page shows what it used, the pool's insights chart its deployment's CPU and peak.</summary>
public sealed class RunUsageUiTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly HttpClient _api = browser.Server.CreateHttpClient();
    private IPage _page = default!;

    public async Task InitializeAsync() => _page = await browser.NewPageAsync();

    public async Task DisposeAsync()
    {
        await _page.Context.DisposeAsync();
        _api.Dispose();
    }

    [Fact]
    public async Task A_busy_runs_page_and_its_pools_insights_show_its_cpu_time_and_peak_memory()
    {
        var pool = ConsoleApi.UniqueName("ui-usage");
        await _api.CreatePoolAsync(pool, "process");
        await using var worker = await WorkerHost.StartAsync(browser.Server.BaseUrl, pool, ConsoleApi.UniqueName("w"));
        var run = await _api.RunAsync(pool, RunUsageTests.BusyCommand, docker: false);
        var page = new FlowRunPage(_page);
        await page.OpenAsync(run.Id);

        // The page follows the run live: the figures appear once the worker reported the end.
        await Expect(page.State).ToHaveAttributeAsync("data-status", nameof(FlowRunState.Completed), new() { Timeout = 60_000 });
        var done = await _api.GetRunAsync(run.Id);
        var usage = done.Usage!;
        await Expect(_page.Locator("[data-testid=run-usage-cpu]")).ToHaveTextAsync(UsageFormat.Cpu(usage.CpuSeconds!.Value));
        await Expect(_page.Locator("[data-testid=run-usage-memory]")).ToHaveTextAsync(UsageFormat.Bytes(usage.PeakMemoryBytes!.Value));
        await Expect(_page.Locator("[data-testid=run-usage-ran]")).ToHaveTextAsync(UsageFormat.Seconds(usage.RunSeconds));
        await Expect(_page.Locator("[data-testid=run-usage-waited]")).ToHaveTextAsync(UsageFormat.Seconds(usage.WaitSeconds));
        Assert.True(usage.CpuSeconds > 0, $"cpuSeconds {usage.CpuSeconds}");

        // The pool's insights: the deployment's bar in both charts, and its row with the same figures.
        await _page.GotoAsync($"/insights/{pool}");
        var chart = _page.Locator("[data-testid=usage-chart]");
        var row = chart.Locator($"[data-testid=usage-row][data-deployment='{done.FlowName}/{done.DeploymentName}']");
        await Expect(row.Locator("[data-testid=usage-cpu]")).ToHaveTextAsync(UsageFormat.Cpu(usage.CpuSeconds.Value));
        await Expect(row.Locator("[data-testid=usage-memory]")).ToHaveTextAsync(UsageFormat.Bytes(usage.PeakMemoryBytes.Value));
        await Expect(chart.Locator("svg")).ToHaveCountAsync(2);
        await Expect(chart.Locator("svg", new() { HasText = done.DeploymentName }).First).ToBeVisibleAsync();

        // The week shows it too.
        var week = chart.Locator("[data-testid=usage-range] .mud-toggle-item", new() { HasText = "Last week" });
        await week.ClickAsync();
        await Expect(week).ToHaveClassAsync(new Regex("usage-range-selected"));
        await Expect(row.Locator("[data-testid=usage-cpu]")).ToHaveTextAsync(UsageFormat.Cpu(usage.CpuSeconds.Value));
    }
}

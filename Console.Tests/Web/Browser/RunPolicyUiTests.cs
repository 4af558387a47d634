using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Worker;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>A retry policy set in the deployment form, a failing flow run by a real process worker, its attempts on the run page.</summary>
public sealed class RunPolicyUiTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
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
    public async Task A_retry_policy_set_in_the_form_retries_a_failing_run_and_its_page_shows_each_attempt()
    {
        var pool = ConsoleApi.UniqueName("ui-retry");
        await _api.CreatePoolAsync(pool, "process");
        var deployment = await _api.CreateDeploymentAsync(pool, "flaky", "nightly", command: "sh -c 'echo \"attempt output\"; exit 3'");
        await using var worker = await WorkerHost.StartAsync(browser.Server.BaseUrl, pool, ConsoleApi.UniqueName("w"));
        var page = new DeploymentPage(_page);
        await page.OpenAsync(deployment.Id);

        await page.OpenRunPoliciesAsync();
        await Expect(_page.Locator("#policy-retry-delay")).ToHaveValueAsync("10");
        await page.SetPolicyAsync("policy-max-retries", "1");
        await page.SetPolicyAsync("policy-retry-delay", "0");
        await _page.Locator("#policies-save").ClickAsync();
        var saved = await Wait.ForAsync(async () =>
            await _api.GetJsonAsync<DeploymentDto>($"/api/deployments/{deployment.Id}") is { Retries.MaxRetries: 1 } d ? d : null);
        Assert.Equal(0, saved.Retries!.DelaySeconds);

        await _page.Locator("#deployment-run").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex("/flow-runs/[0-9a-f-]{36}$"));
        var run = new FlowRunPage(_page);
        await run.WaitInteractiveAsync();

        await Expect(run.State).ToHaveAttributeAsync("data-status", nameof(FlowRunState.Failed), new() { Timeout = 60_000 });
        await Expect(_page.Locator("[data-testid=run-attempt]")).ToHaveTextAsync("2 of 2");
        await Expect(run.Timeline.Locator("[data-testid=timeline-attempt]")).ToHaveCountAsync(2);
        await Expect(run.Timeline.Locator($"[data-state={nameof(FlowRunState.AwaitingRetry)}]")).ToHaveCountAsync(1);
        // The flow's own output, once per attempt (the worker's lines quote the command too).
        await Expect(_page.Locator("[data-testid=log-line].stream-stdout", new() { HasText = "attempt output" })).ToHaveCountAsync(2);
        await Expect(_page.Locator("[data-testid=log-line].stream-stdout[data-attempt='1']", new() { HasText = "attempt output" })).ToHaveCountAsync(1);
        await Expect(_page.Locator("[data-testid=log-line].stream-stdout[data-attempt='2']", new() { HasText = "attempt output" })).ToHaveCountAsync(1);
        await Expect(_page.Locator("[data-testid=log-attempt]")).ToHaveCountAsync(2);

        var runId = Guid.Parse(_page.Url[^36..]);
        var history = await _api.HistoryAsync(runId);
        Assert.Equal([1, 2], history.Select(h => h.Attempt).Distinct());
    }

    [Fact]
    public async Task The_runs_table_shows_a_retried_runs_attempt()
    {
        var pool = ConsoleApi.UniqueName("ui-attempts");
        await _api.CreatePoolAsync(pool, "process");
        var deployment = await _api.CreateDeploymentAsync(pool, "flaky", "table");
        await _api.UpdateDeploymentAsync(deployment.Id, new JsonObject { ["retries"] = new JsonObject { ["maxRetries"] = 2, ["delaySeconds"] = 3600 } });
        var created = await _api.CreateRunAsync(deployment.Id);
        Assert.Single(await _api.ClaimAsync(pool, "ui-worker"));
        await _api.SetStateAsync(created.Id, FlowRunState.Running);
        await _api.SetStateAsync(created.Id, FlowRunState.Failed, exitCode: 1);

        await _page.GotoAsync($"/deployments/{deployment.Id}");
        var row = _page.Locator("tr", new() { Has = _page.Locator($"td[data-run='{created.Id}']") });
        await Expect(row.Locator("[data-testid=run-state]")).ToHaveAttributeAsync("data-status", nameof(FlowRunState.AwaitingRetry));
        await Expect(row.Locator("[data-testid=run-attempt]")).ToHaveTextAsync("attempt 2 of 3");

        await _page.GotoAsync($"/flow-runs/{created.Id}");
        var notice = _page.Locator("[data-testid=run-next-attempt]");
        await Expect(notice).ToContainTextAsync("Attempt 2 of 3 starts in");
        // How attempt 1 ended, said once: from its own history entry, not the run's "Attempt 1 of 3 ended ..." again.
        await Expect(notice).ToContainTextAsync("Attempt 1 ended Failed");
        await Expect(notice).Not.ToContainTextAsync("of 3 ended");
    }
}

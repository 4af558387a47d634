using System.Text.RegularExpressions;
using Console.Contracts.FlowRuns;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>
/// The tutorial's steps in a real browser against a real server; workers and automation act over
/// REST, and every change must reach the open page without a reload.
/// </summary>
public sealed class ConsoleUiTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly HttpClient _http = browser.Server.CreateHttpClient();
    private IPage _page = default!;

    private HttpClient Api => _http;

    public async Task InitializeAsync() => _page = await browser.NewPageAsync();

    public async Task DisposeAsync()
    {
        await _page.Context.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task A_created_pool_is_listed()
    {
        var name = ConsoleApi.UniqueName("ui-pool");
        var pools = new WorkPoolsPage(_page);
        await pools.OpenAsync();

        await pools.CreatePoolAsync(name, "docker", concurrency: "3");
        await pools.NavigateByMenuAsync("work-pools");
        await pools.WaitLoadedAsync();

        var row = pools.Row(name);
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator(".pool-type")).ToHaveAttributeAsync("data-type", "docker");
        await Expect(row.Locator("[data-testid=pool-status]")).ToHaveAttributeAsync("data-status", "NotReady");
        await Expect(row.Locator("[data-testid=pool-status] .status-text")).ToHaveTextAsync("Not Ready");
        await Expect(row).ToContainTextAsync("3");
        await Expect(row.Locator("[data-testid=pool-last-polled]")).ToHaveTextAsync("never");
        await Expect(_page).ToHaveTitleAsync(new Regex("^Work Pools"));
    }

    [Fact]
    public async Task The_default_queue_turns_green_when_a_worker_polls()
    {
        var pool = ConsoleApi.UniqueName("tutorial");
        await Api.CreatePoolAsync(pool, "docker");
        var page = new WorkPoolPage(_page);
        await page.OpenAsync(pool);
        await page.OpenTabAsync("Work Queues");

        var status = page.QueueStatus("default");
        await Expect(status).ToHaveAttributeAsync("data-status", "NotReady");
        await Expect(status.Locator(".status-text")).ToHaveTextAsync("Not Ready");
        await Expect(status.Locator("svg")).ToHaveClassAsync(new Regex("mud-error-text"));
        await status.HoverAsync();
        await Expect(_page.Locator(".mud-tooltip", new() { HasText = "No worker has polled this queue in the last 60 s" })).ToBeVisibleAsync();
        await page.MarkDocumentAsync();

        await Api.PollAsync(pool, "laptop-worker");

        await Expect(status).ToHaveAttributeAsync("data-status", "Ready");
        await Expect(status.Locator(".status-text")).ToHaveTextAsync("Ready");
        await Expect(status.Locator("svg")).ToHaveClassAsync(new Regex("mud-success-text"));
        Assert.True(await page.IsSameDocumentAsync(), "the page reloaded instead of updating live");
    }

    [Fact]
    public async Task The_workers_tab_follows_every_poll()
    {
        var pool = ConsoleApi.UniqueName("workers");
        await Api.CreatePoolAsync(pool);
        var page = new WorkPoolPage(_page);
        await page.OpenAsync(pool);
        await page.OpenTabAsync("Workers");

        // Empty state: the command that starts a worker for this very pool, with a copy button.
        await Expect(page.StartWorkerCommand).ToContainTextAsync($"cx worker start --pool {pool}");
        await Expect(page.StartWorkerCommand.GetByRole(AriaRole.Button)).ToBeVisibleAsync();
        await page.MarkDocumentAsync();

        await Api.PollAsync(pool, "worker-a");
        var lastPolled = page.WorkerLastPolled("worker-a");
        await Expect(lastPolled).ToBeVisibleAsync();
        await Expect(page.WorkerRow("worker-a").Locator("[data-testid=worker-status]")).ToHaveAttributeAsync("data-status", "Online");
        await Expect(lastPolled).ToHaveAttributeAsync("title", new Regex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"));
        await Expect(lastPolled).ToHaveTextAsync(new Regex(@"^(just now|\d+ s ago)$"));
        var first = await lastPolled.GetAttributeAsync("data-at");

        // The text ticks by itself (a clock, not a poll of the API) ...
        await Expect(lastPolled).ToHaveTextAsync(new Regex(@"^[2-9] s ago$"));
        var ticked = await lastPolled.TextContentAsync();

        // ... and the next poll shows at once, in the text a person reads and the exact time on hover.
        await Api.PollAsync(pool, "worker-a");

        await Expect(lastPolled).Not.ToHaveAttributeAsync("data-at", first!);
        await Expect(lastPolled).Not.ToHaveTextAsync(ticked!);
        await Expect(lastPolled).ToHaveTextAsync(new Regex(@"^(just now|1 s ago)$"));
        Assert.True(await page.IsSameDocumentAsync(), "the page reloaded instead of updating live");
    }

    [Fact]
    public async Task A_paused_queue_turns_grey()
    {
        var pool = ConsoleApi.UniqueName("pausing");
        await Api.CreatePoolAsync(pool);
        await Api.PollAsync(pool, "worker-p");
        var page = new WorkPoolPage(_page);
        await page.OpenAsync(pool);
        await page.OpenTabAsync("Work Queues");
        await Expect(page.QueueStatus("default")).ToHaveAttributeAsync("data-status", "Ready");

        await page.PauseQueueAsync("default");

        var status = page.QueueStatus("default");
        await Expect(status).ToHaveAttributeAsync("data-status", "Paused");
        await Expect(status.Locator(".status-text")).ToHaveTextAsync("Paused");
        await Expect(status.Locator("svg")).ToHaveCSSAsync("color", "rgb(138, 143, 152)");
        await Expect(status).ToHaveAttributeAsync("data-reason", "This queue is paused: its runs are not picked up until it is resumed.");
    }

    [Fact]
    public async Task Log_lines_appear_live_on_the_run_page()
    {
        var pool = ConsoleApi.UniqueName("logs");
        await Api.CreatePoolAsync(pool);
        var deployment = await Api.CreateDeploymentAsync(pool, "get-repo-info", "my-first-deployment");
        var run = await Api.CreateRunAsync(deployment.Id);
        var page = new FlowRunPage(_page);
        await page.OpenAsync(run.Id);
        await Expect(page.State).ToHaveAttributeAsync("data-status", "Scheduled");
        await Expect(_page.Locator("[data-testid=logs-empty]")).ToBeVisibleAsync();
        await page.MarkDocumentAsync();

        await Api.LogAsync(run.Id, "Cloning repository...", "Stars: 42");

        await Expect(page.LogLines).ToHaveCountAsync(2);
        await Expect(page.LogLines.Nth(0)).ToContainTextAsync("Cloning repository...");
        await Expect(page.LogLines.Nth(1)).ToContainTextAsync("Stars: 42");

        await Api.ClaimAsync(pool, "log-worker");
        await Api.SetStateAsync(run.Id, FlowRunState.Running);
        await Api.LogAsync(run.Id, "Done.");
        await Api.SetStateAsync(run.Id, FlowRunState.Completed, exitCode: 0);

        await Expect(page.LogLines).ToHaveCountAsync(3);
        await Expect(page.LogLines.Nth(2)).ToContainTextAsync("Done.");
        await Expect(page.State).ToHaveAttributeAsync("data-status", "Completed");
        await Expect(page.Timeline.Locator("[data-state]")).ToHaveCountAsync(4);
        Assert.True(await page.IsSameDocumentAsync(), "the page reloaded instead of updating live");
    }

    [Fact]
    public async Task A_late_run_says_why_it_waits_on_its_badge_and_its_page_and_the_answer_follows_live()
    {
        var pool = ConsoleApi.UniqueName("late");
        await Api.CreatePoolAsync(pool);
        await Api.SetPoolPausedAsync(pool, paused: true);
        var deployment = await Api.CreateDeploymentAsync(pool, "nightly", "etl");
        var run = await Api.CreateRunAsync(deployment.Id, scheduledStartAt: DateTime.UtcNow.AddMinutes(-2));

        // The Runs tab: the Late badge's tooltip is the diagnosis, not a generic sentence.
        var poolPage = new WorkPoolPage(_page);
        await poolPage.OpenAsync(pool);
        await poolPage.OpenTabAsync("Runs");
        var badge = _page.Locator($"tr:has(td[data-run='{run.Id}']) [data-testid=run-state]");
        await Expect(badge).ToHaveAttributeAsync("data-status", "Late");
        await Expect(badge).ToHaveAttributeAsync("data-reason", new Regex($"Late: Work pool '{pool}' is paused"));
        await badge.HoverAsync();
        await Expect(_page.Locator(".mud-tooltip", new() { HasText = $"Work pool '{pool}' is paused" })).ToBeVisibleAsync();

        // Its page lists every reason; resuming the pool elsewhere changes the answer without a reload.
        var page = new FlowRunPage(_page);
        await page.OpenAsync(run.Id);
        ILocator Reason(string code) => _page.Locator($"[data-testid=diagnosis-panel] [data-testid=diagnosis-reason][data-code={code}]");
        await Expect(Reason("pool-paused")).ToHaveCountAsync(1);
        await Expect(Reason("no-worker")).ToHaveCountAsync(1);
        await page.MarkDocumentAsync();

        await Api.SetPoolPausedAsync(pool, paused: false);
        await Expect(Reason("pool-paused")).ToHaveCountAsync(0);
        await Expect(Reason("no-worker")).ToHaveCountAsync(1);
        Assert.True(await page.IsSameDocumentAsync(), "the page reloaded instead of updating live");
    }

    [Fact]
    public async Task The_pools_insights_chart_show_its_runs_once_they_have_run()
    {
        var pool = ConsoleApi.UniqueName("charts");
        await Api.CreatePoolAsync(pool);
        var deployment = await Api.CreateDeploymentAsync(pool, "charted", "hourly");
        var ok = await Api.CreateRunAsync(deployment.Id);
        var bad = await Api.CreateRunAsync(deployment.Id);
        Assert.Equal(2, (await Api.ClaimAsync(pool, "chart-worker")).Count);
        foreach (var (run, state, code) in new[] { (ok, FlowRunState.Completed, 0), (bad, FlowRunState.Failed, 1) })
        {
            await Api.SetStateAsync(run.Id, FlowRunState.Running);
            await Api.SetStateAsync(run.Id, state, exitCode: code);
        }

        var poolPage = new WorkPoolPage(_page);
        await poolPage.OpenAsync(pool);
        await _page.Locator("#pool-insights").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex($"/insights/{pool}$"));
        var chart = _page.Locator("[data-testid=runs-by-state-chart]");
        await Expect(chart.Locator("svg")).ToBeVisibleAsync();
        // Runs, not state entries: two runs that each passed four states are two ended runs.
        await Expect(chart.Locator("[data-testid=runs-by-state-totals]")).ToHaveTextAsync("Created 2 · Completed 1 · Failed 1");
        await Expect(_page.Locator("[data-testid=latency-summary]")).ToContainTextAsync("2 claims");

        // Every chart draws across its card's width, not a narrow picture in the middle of it (once
        // the browser measured the card: the chart draws at its measured size).
        foreach (var card in new[] { "runs-by-state-chart", "latency-chart", "backlog-chart" })
        {
            await Wait.UntilAsync(async () =>
            {
                var (drawn, available) = await ChartWidthAsync(_page.Locator($"[data-testid={card}]"));
                return available > 0 && drawn >= available * 0.9;
            }, $"{card} to draw across at least 90% of its card's width", timeoutSeconds: 10);
        }
    }

    [Fact]
    public async Task A_queue_created_in_the_dialog_takes_its_priority_and_weight()
    {
        var pool = ConsoleApi.UniqueName("queues");
        await Api.CreatePoolAsync(pool);
        var page = new WorkPoolPage(_page);
        await page.OpenAsync(pool);
        await page.OpenTabAsync("Work Queues");

        await _page.Locator("#create-queue").ClickAsync();
        await _page.Locator("#queue-name").FillAsync("critical");
        await _page.Locator("#queue-priority").FillAsync("1");
        await _page.Locator("#queue-concurrency").FillAsync("2");
        await _page.Locator("#queue-weight").FillAsync("3");
        await _page.Locator("#queue-save").ClickAsync();

        await Expect(page.QueueRow("critical")).ToContainTextAsync("1");
        await Expect(page.QueueRow("critical")).ToContainTextAsync("2");
        await Expect(page.QueueRow("critical").GetByTestId("queue-weight")).ToHaveTextAsync("3");
        await Expect(page.QueueStatus("critical")).ToHaveAttributeAsync("data-status", "NotReady");
        // Priority 1 is shared with the default queue (fair share by weight), not taken from it.
        await Expect(page.QueueRow("default").Locator("td").Nth(2)).ToHaveTextAsync("1");
        await Expect(page.QueueRow("default").GetByTestId("queue-weight")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task A_custom_run_sends_its_parameters_and_job_variables()
    {
        var pool = ConsoleApi.UniqueName("custom");
        await Api.CreatePoolAsync(pool);
        var deployment = await Api.CreateDeploymentAsync(pool, "hello", "custom-run");
        var page = new WorkPoolsPage(_page);
        await page.GotoAsync($"/deployments/{deployment.Id}");

        await _page.Locator("#deployment-custom-run").ClickAsync();
        await _page.Locator("#run-parameters").FillAsync("{\"who\": \"world\"}");
        await _page.Locator("#run-var-working_dir").FillAsync("/srv/hello");
        await _page.Locator("#custom-run-submit").ClickAsync();

        await Expect(_page).ToHaveURLAsync(new Regex("/flow-runs/[0-9a-f-]{36}$"));
        await Expect(_page.Locator("[data-testid=run-parameters] tr[data-name=who]")).ToContainTextAsync("world");
        await Expect(_page.Locator("[data-testid=run-job-variables] tr[data-name=working_dir]")).ToContainTextAsync("/srv/hello");
    }

    [Fact]
    public async Task Cancelling_a_scheduled_run_ends_it()
    {
        var pool = ConsoleApi.UniqueName("cancel");
        await Api.CreatePoolAsync(pool);
        var deployment = await Api.CreateDeploymentAsync(pool, "hello", "to-cancel");
        var run = await Api.CreateRunAsync(deployment.Id);
        var page = new FlowRunPage(_page);
        await page.OpenAsync(run.Id);

        await _page.Locator("#run-cancel").ClickAsync();
        await _page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Cancel run", Exact = true }).ClickAsync();

        await Expect(page.State).ToHaveAttributeAsync("data-status", "Cancelled");
        await Expect(_page.Locator("#run-cancel")).ToBeDisabledAsync();
        await Expect(page.Timeline.Locator("[data-state=Cancelled]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Editing_a_pool_changes_its_limit_and_defaults()
    {
        var pool = ConsoleApi.UniqueName("edit");
        await Api.CreatePoolAsync(pool);
        var page = new WorkPoolPage(_page);
        await page.OpenAsync(pool);

        await _page.Locator("#pool-edit").ClickAsync();
        await _page.Locator("#edit-pool-concurrency").FillAsync("5");
        await _page.Locator("#var-working_dir").FillAsync("/opt/flows");
        await _page.Locator("#edit-pool-save").ClickAsync();

        var details = _page.Locator("[data-testid=pool-details]");
        await Expect(details.Locator("tr", new() { HasText = "Concurrency limit" })).ToContainTextAsync("5");
        await Expect(_page.Locator("[data-testid=template-variables] tr[data-variable=working_dir]")).ToContainTextAsync("/opt/flows");
    }

    [Fact]
    public async Task The_create_flow_works_from_the_keyboard()
    {
        var name = ConsoleApi.UniqueTypedName("keys");
        var pools = new WorkPoolsPage(_page);
        await pools.OpenAsync();

        await _page.Locator("#create-pool").FocusAsync();
        await _page.Keyboard.PressAsync("Enter");
        await pools.WaitHeadingFocusedAsync();
        await _page.Locator("#pool-type-process").FocusAsync();
        await _page.Keyboard.PressAsync("Space");
        await Expect(_page.Locator("#pool-type-process")).ToBeCheckedAsync();
        // The browser checks the radio at once; Next is enabled when the server has the choice.
        await Expect(_page.Locator("#create-pool-next")).ToBeEnabledAsync();
        await _page.Locator("#create-pool-next").FocusAsync();
        await _page.Keyboard.PressAsync("Enter");
        await _page.Locator("#pool-name").FocusAsync();
        await _page.Keyboard.TypeAsync(name);
        await Expect(_page.Locator("#create-pool-next")).ToBeEnabledAsync();
        await _page.Locator("#create-pool-next").FocusAsync();
        await _page.Keyboard.PressAsync("Enter");
        await _page.Locator("#create-pool-submit").FocusAsync();
        await _page.Keyboard.PressAsync("Enter");

        await Expect(_page).ToHaveURLAsync(new Regex($"/work-pools/{name}$"));
        await Expect(_page.Locator("[data-testid=page-title]")).ToHaveTextAsync(name);
    }

    [Fact]
    public async Task The_duplicate_name_message_stays_while_the_name_is_taken()
    {
        var taken = ConsoleApi.UniqueName("taken");
        await Api.CreatePoolAsync(taken, "docker");
        var pools = new WorkPoolsPage(_page);
        await pools.OpenAsync();
        await _page.Locator("#create-pool").ClickAsync();
        await _page.Locator("#pool-type-docker").CheckAsync();
        await _page.Locator("#create-pool-next").ClickAsync();

        var field = _page.Locator("[data-testid=pool-name-field]");
        var message = $"A work pool named '{taken}' already exists.";
        await _page.Locator("#pool-name").FillAsync(taken);
        await Expect(field).ToContainTextAsync(message);

        // Leaving the field (Tab to the next one) must not hide why Next is disabled.
        await _page.Locator("#pool-name").PressAsync("Tab");
        await Expect(_page.Locator("#pool-description")).ToBeFocusedAsync();
        await Expect(field).ToContainTextAsync(message);
        await Expect(_page.Locator("#create-pool-next")).ToBeDisabledAsync();

        await _page.Locator("#pool-name").FillAsync(taken + "-2");
        await Expect(field).Not.ToContainTextAsync("already exists");
        await Expect(_page.Locator("#create-pool-next")).ToBeEnabledAsync();
    }

    /// <summary>The width the chart's drawing takes on screen, and the width of its card's content.</summary>
    private static async Task<(double Drawn, double Available)> ChartWidthAsync(ILocator card)
    {
        await Expect(card.Locator("svg").First).ToBeVisibleAsync();
        var widths = await card.EvaluateAsync<double[]>("""
            card => {
                const svg = card.querySelector('.mud-chart svg');
                const style = getComputedStyle(card);
                return [svg.getBoundingClientRect().width, card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
                        svg.getBBox().width * svg.getScreenCTM().a];
            }
            """);
        return (Math.Min(widths[0], widths[2]), widths[1]);
    }
}

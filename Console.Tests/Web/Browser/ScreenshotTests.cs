using System.Net;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Web.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>
/// Walks the main pages with tutorial-like data and screenshots each one: into TestResults/screenshots
/// on every run (a page that fails to render fails the test), and into docs/screenshots when
/// CONSOLE_UPDATE_SCREENSHOTS=1 (how the README's pictures are refreshed).
/// </summary>
public sealed class ScreenshotTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly HttpClient _http = browser.Server.CreateHttpClient();
    private readonly List<string> _folders = [];
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        _page = await browser.NewPageAsync();
        var root = ContentRoot.Find();
        _folders.Add(Path.Combine(root, "TestResults", "screenshots"));
        if (Environment.GetEnvironmentVariable("CONSOLE_UPDATE_SCREENSHOTS") == "1")
        {
            _folders.Add(Path.Combine(root, "docs", "screenshots"));
        }

        _folders.ForEach(f => Directory.CreateDirectory(f));
    }

    public async Task DisposeAsync()
    {
        await _page.Context.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task Main_pages()
    {
        var api = _http;
        await api.CreatePoolAsync("my-docker-pool", "docker");
        await api.CreatePoolAsync("default-process-pool", "process");
        await api.CreatePoolAsync("gpu-pool", "docker");
        await api.CreatePoolAsync("staging-pool", "process");
        await PostAsync("/api/work-pools/gpu-pool/pause", new { });
        await PostAsync("/api/work-pools/my-docker-pool/queues", new { name = "critical", priority = 1, concurrencyLimit = 2, description = "Runs that page someone" });
        await PostAsync("/api/work-pools/my-docker-pool/queues", new { name = "backfill", concurrencyLimit = 1 });
        await PostAsync("/api/work-pools/my-docker-pool/queues/backfill/pause", new { });
        await PostAsync("/api/work-pools/my-docker-pool/workers/heartbeat", new { name = "laptop-worker", heartbeatIntervalSeconds = 10 });
        await api.PollAsync("my-docker-pool", "laptop-worker");
        await api.PollAsync("default-process-pool", "build-agent-01");

        var deployment = await api.CreateDeploymentAsync("my-docker-pool", "get-repo-info", "my-first-deployment");
        await PatchAsync($"/api/deployments/{deployment.Id}", new
        {
            parameters = new { repo = "PrefectHQ/prefect" },
            jobVariables = new Dictionary<string, object>
            {
                ["image"] = "console-test/busybox:latest",
                ["env"] = new Dictionary<string, string> { ["LOG_LEVEL"] = "info" },
            },
            tags = new[] { "tutorial" },
            description = "Fetches a repository's stars and contributors",
        });
        await PatchAsync($"/api/deployments/{(await api.CreateDeploymentAsync("default-process-pool", "nightly-report", "daily")).Id}",
            new { schedules = new[] { new { cron = "0 6 * * *", timezone = "Europe/Berlin", active = true } } });

        var done = await api.CreateRunAsync(deployment.Id);
        var failed = await api.CreateRunAsync(deployment.Id);
        await api.ClaimAsync("my-docker-pool", "laptop-worker");
        await api.SetStateAsync(done.Id, FlowRunState.Running);
        await api.LogAsync(done.Id, "Getting repository info for PrefectHQ/prefect", "Stars: 17345", "Number of contributors: 481");
        await api.SetStateAsync(done.Id, FlowRunState.Completed, exitCode: 0);
        await api.SetStateAsync(failed.Id, FlowRunState.Running);
        await api.LogAsync(failed.Id, "Getting repository info for PrefectHQ/prefect");
        await api.SetStateAsync(failed.Id, FlowRunState.Failed, exitCode: 1, message: "The flow exited with code 1.");
        var running = await api.CreateRunAsync(deployment.Id);
        await api.ClaimAsync("my-docker-pool", "laptop-worker");
        await api.SetStateAsync(running.Id, FlowRunState.Running);
        await api.LogAsync(running.Id, "Getting repository info for PrefectHQ/prefect");
        await api.CreateRunAsync(deployment.Id);

        var pools = new WorkPoolsPage(_page);
        await pools.OpenAsync();
        await Expect(pools.Row("gpu-pool")).ToBeVisibleAsync();
        await ShotAsync("work-pools");

        await _page.Locator("#create-pool").ClickAsync();
        await _page.Locator("#pool-type-docker").CheckAsync();
        await ShotAsync("create-work-pool-type");
        await _page.Locator("#create-pool-next").ClickAsync();
        await _page.Locator("#pool-name").FillAsync("My Pool");
        await ShotAsync("create-work-pool-name-error");
        await _page.Locator("#pool-name").FillAsync("new-docker-pool");
        await _page.Locator("#create-pool-next").ClickAsync();
        await Expect(_page.Locator("[data-testid=template-form]")).ToBeVisibleAsync();
        await ShotAsync("create-work-pool-template");

        var pool = new WorkPoolPage(_page);
        await pool.OpenAsync("my-docker-pool");
        await pool.OpenTabAsync("Work Queues");
        await Expect(pool.QueueStatus("default")).ToHaveAttributeAsync("data-status", "Ready");
        await ShotAsync("work-pool-queues");
        await pool.OpenTabAsync("Workers");
        await Expect(pool.WorkerRow("laptop-worker")).ToBeVisibleAsync();
        await ShotAsync("work-pool-workers");
        await pool.OpenTabAsync("Details");
        await ShotAsync("work-pool-details");

        await pool.OpenAsync("staging-pool");
        await pool.OpenTabAsync("Work Queues");
        await ShotAsync("work-pool-queues-not-ready", async () =>
        {
            await pool.QueueStatus("default").HoverAsync();
            await Expect(_page.Locator(".mud-tooltip", new() { HasText = "No worker has polled" })).ToBeVisibleAsync();
        });
        await pool.OpenTabAsync("Workers");
        await Expect(pool.StartWorkerCommand).ToBeVisibleAsync();
        await ShotAsync("work-pool-workers-empty");

        await pools.GotoAsync("/work-queues");
        await Expect(_page.Locator("[data-testid=queues-table]")).ToBeVisibleAsync();
        await ShotAsync("work-queues");
        await pools.GotoAsync("/workers");
        await Expect(_page.Locator("[data-testid=workers-table]")).ToBeVisibleAsync();
        await ShotAsync("workers");
        await pools.GotoAsync("/deployments");
        await Expect(_page.Locator("[data-testid=deployments-table]")).ToBeVisibleAsync();
        await ShotAsync("deployments");
        await pools.GotoAsync($"/deployments/{deployment.Id}");
        await Expect(_page.Locator("[data-testid=runs-table]")).ToBeVisibleAsync();
        await ShotAsync("deployment");
        await _page.Locator("#deployment-custom-run").ClickAsync();
        await Expect(_page.Locator("[data-testid=run-job-variables]")).ToBeVisibleAsync();
        await ShotAsync("deployment-custom-run");
        await _page.Keyboard.PressAsync("Escape");

        await pools.GotoAsync("/flow-runs");
        await Expect(_page.Locator("[data-testid=runs-table]")).ToBeVisibleAsync();
        await ShotAsync("flow-runs");
        var run = new FlowRunPage(_page);
        await run.OpenAsync(done.Id);
        await Expect(run.LogLines).ToHaveCountAsync(3);
        await ShotAsync("flow-run");

        await pools.OpenAsync();
        await _page.Locator("#theme-toggle").ClickAsync();
        await Expect(_page.Locator(".mud-theme-dark, html[data-theme=dark], body").First).ToBeVisibleAsync();
        await ShotAsync("work-pools-dark");
    }

    private async Task ShotAsync(string name, Func<Task>? before = null)
    {
        if (before is null)
        {
            // Keep tooltips out of the picture.
            await _page.Mouse.MoveAsync(0, 0);
        }
        else
        {
            await before();
        }

        foreach (var folder in _folders)
        {
            await _page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        }
    }

    private async Task PostAsync(string url, object body)
    {
        using var response = await _http.PostJsonAsync(url, body);
        Assert.True(response.IsSuccessStatusCode, $"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task PatchAsync(string url, object body)
    {
        using var response = await _http.PatchJsonAsync(url, body);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PATCH {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

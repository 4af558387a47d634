using System.Net;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>A run whose code a real worker cloned from a real git server: its page shows the commit it ran.</summary>
public sealed class CodeRevisionUiTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly HttpClient _api = browser.Server.CreateHttpClient();
    private IPage _page = default!;
    private GitServer _git = default!;

    public async Task InitializeAsync()
    {
        _page = await browser.NewPageAsync();
        _git = await GitServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _page.Context.DisposeAsync();
        await _git.DisposeAsync();
        _api.Dispose();
    }

    [Fact]
    public async Task A_git_pulled_runs_page_shows_the_commit_it_ran()
    {
        var commit = await _git.CreateAsync("shown", new Dictionary<string, string> { ["flow.sh"] = "echo from git\n" });
        var pool = ConsoleApi.UniqueName("ui-rev");
        await _api.CreatePoolAsync(pool, "process");
        await using var worker = await Worker.WorkerHost.StartAsync(browser.Server.BaseUrl, pool, ConsoleApi.UniqueName("w"));
        var deployment = await _api.SendAsync<DeploymentDto>(HttpMethod.Post, "/api/deployments", new CreateDeploymentRequest
        {
            FlowName = ConsoleApi.UniqueName("flow"),
            Name = "git",
            Entrypoint = "flow.sh",
            Command = "sh flow.sh",
            WorkPoolName = pool,
            PullSteps = [new() { GitClone = new() { Repository = _git.Url("shown"), Branch = "main" } }],
        }, HttpStatusCode.Created);
        var run = await _api.CreateRunAsync(deployment.Id);
        var page = new FlowRunPage(_page);
        await page.OpenAsync(run.Id);

        await Expect(page.State).ToHaveAttributeAsync("data-status", nameof(FlowRunState.Completed), new() { Timeout = 60_000 });
        var revision = _page.Locator("[data-testid=run-code-revision]");
        await Expect(revision).ToHaveTextAsync(commit[..12]);
        await Expect(revision).ToHaveAttributeAsync("title", commit);
    }
}

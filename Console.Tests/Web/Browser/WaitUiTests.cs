using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>The run page shows a waiting run's place in line and expected start, and once it started, what it waited for.</summary>
public sealed class WaitUiTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
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
    public async Task The_run_page_shows_the_estimate_while_a_run_waits_and_its_waits_once_it_started()
    {
        var pool = ConsoleApi.UniqueName("ui-wait");
        await _api.CreatePoolAsync(pool, "process", concurrencyLimit: 1);
        var deployment = await _api.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("flow"), "waits");
        var holder = await _api.CreateRunAsync(deployment.Id);
        Assert.Single(await _api.ClaimAsync(pool, "ui-worker", limit: 1));
        await _api.SetStateAsync(holder.Id, FlowRunState.Running);
        var run = await _api.CreateRunAsync(deployment.Id);

        var page = new FlowRunPage(_page);
        await page.OpenAsync(run.Id);
        var estimate = _page.Locator("[data-testid=diagnosis-estimate]");
        await Expect(estimate).ToContainTextAsync("Expected in about");
        await Expect(estimate).ToContainTextAsync("1st in line");
        await Expect(estimate).ToHaveAttributeAsync("data-position", "1");

        await using (var scope = browser.Server.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<WaitHistory>().RecordAsync());
        }

        await _api.SetStateAsync(holder.Id, FlowRunState.Completed, exitCode: 0);
        Assert.Equal([run.Id], (await _api.ClaimAsync(pool, "ui-worker", limit: 1)).Select(r => r.Id));
        await _api.SetStateAsync(run.Id, FlowRunState.Running);

        // Live: the page follows the run's change events, the estimate gives way to the history.
        await Expect(_page.Locator("[data-testid=run-waits-summary]")).ToContainTextAsync("for a slot of the pool limit");
        await Expect(_page.Locator("[data-testid=run-waits-summary]")).ToContainTextAsync("waited ");
        await Expect(_page.Locator("[data-testid=run-wait]")).ToHaveAttributeAsync("data-codes", "pool-limit-full");
        await Expect(estimate).ToHaveCountAsync(0);
    }
}

using Console.Contracts;
using Console.Contracts.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>The Drain button of a pool's Workers tab: an operator drains an online worker; a viewer has no such button.</summary>
public sealed class WorkerDrainUiTests(SecureBrowserFixture fixture) : IClassFixture<SecureBrowserFixture>, IAsyncLifetime
{
    private readonly List<IPage> _pages = [];
    private string _pool = default!;
    private string _worker = default!;

    public async Task InitializeAsync()
    {
        _pool = ConsoleApi.UniqueName("drain-ui");
        _worker = ConsoleApi.UniqueName("w");
        await fixture.Api.CreatePoolAsync(_pool);
        // Online for the whole test: one heartbeat with a long interval.
        await fixture.Api.HeartbeatAsync(_pool, _worker, intervalSeconds: 600);
    }

    public async Task DisposeAsync()
    {
        foreach (var page in _pages)
        {
            await page.Context.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_operator_drains_an_online_worker_from_the_Workers_tab_and_it_shows_Draining()
    {
        var page = await OpenWorkersAsync(Roles.Operator);
        var ui = new WorkPoolPage(page);
        var row = ui.WorkerRow(_worker);
        await Expect(row.Locator("[data-testid=worker-status]")).ToHaveAttributeAsync("data-status", "Online");

        await row.Locator("[data-testid=worker-drain]").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Drain", Exact = true }).ClickAsync();

        await Expect(row.Locator("[data-testid=worker-status]")).ToHaveAttributeAsync("data-status", "Draining");
        await Expect(row.Locator("[data-testid=worker-status]")).ToContainTextAsync("Draining");
        await Expect(row.Locator("[data-testid=worker-drain]")).ToHaveCountAsync(0); // drained once is enough
        var worker = (await fixture.Api.WorkersAsync(_pool)).Single(w => w.Name == _worker);
        Assert.Equal(WorkerStatus.Draining, worker.Status);
        // The server refuses a draining worker's claims.
        Assert.Empty(await fixture.Api.ClaimAsync(_pool, _worker));
    }

    [Fact]
    public async Task A_viewer_sees_the_worker_but_no_Drain_button()
    {
        var page = await OpenWorkersAsync(Roles.Viewer);
        var row = new WorkPoolPage(page).WorkerRow(_worker);

        await Expect(row.Locator("[data-testid=worker-status]")).ToHaveAttributeAsync("data-status", "Online");
        await Expect(row.Locator("[data-testid=worker-drain]")).ToHaveCountAsync(0);
    }

    private async Task<IPage> OpenWorkersAsync(string role)
    {
        var page = await fixture.SignedInAsync(role);
        _pages.Add(page);
        var ui = new WorkPoolPage(page);
        await ui.OpenAsync(_pool);
        await ui.OpenTabAsync("Workers");
        await Expect(ui.WorkerRow(_worker)).ToBeVisibleAsync();
        return page;
    }
}

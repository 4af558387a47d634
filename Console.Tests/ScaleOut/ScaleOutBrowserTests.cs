using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.ScaleOut;

/// <summary>A page served by replica A follows what workers do on replica B, without a reload.</summary>
public sealed class ScaleOutBrowserTests(ReplicaPair replicas) : IClassFixture<ReplicaPair>, IAsyncLifetime
{
    private readonly HttpClient _b = replicas.B.CreateHttpClient();
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        var chromium = TestEnvironment.RequireChromium();
        _playwright = await Playwright.CreateAsync();
        _browser = await BrowserFixture.LaunchAsync(_playwright, chromium);
        _page = await BrowserFixture.NewPageAsync(_browser, replicas.A.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task A_poll_on_replica_B_shows_live_on_the_workers_tab_served_by_replica_A()
    {
        var pool = ConsoleApi.UniqueName("across");
        var onB = _b;
        await onB.CreatePoolAsync(pool);
        var page = new WorkPoolPage(_page);
        await page.OpenAsync(pool);
        await page.OpenTabAsync("Workers");
        await Expect(page.StartWorkerCommand).ToBeVisibleAsync();
        await page.MarkDocumentAsync();

        await onB.PollAsync(pool, "worker-on-b");
        var lastPolled = page.WorkerLastPolled("worker-on-b");
        await Expect(lastPolled).ToBeVisibleAsync();
        await Expect(page.WorkerRow("worker-on-b").Locator("[data-testid=worker-status]")).ToHaveAttributeAsync("data-status", "Online");
        var first = await lastPolled.GetAttributeAsync("data-at");

        await onB.PollAsync(pool, "worker-on-b");

        await Expect(lastPolled).Not.ToHaveAttributeAsync("data-at", first!);
        Assert.True(await page.IsSameDocumentAsync(), "the page reloaded instead of updating live");
    }
}

using System.Text.RegularExpressions;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Automations;

/// <summary>
/// The automation builder in Debian's Chromium against a real server whose dispatcher runs on
/// Hangfire: build an automation in the form, see the preview, press Test, see the delivery appear.
/// </summary>
public sealed class AutomationBrowserTests(AutomationBrowserTests.Fixture fixture) : IClassFixture<AutomationBrowserTests.Fixture>, IAsyncLifetime
{
    private readonly HttpClient _http = fixture.Server.CreateHttpClient();
    private IPage _page = default!;

    public async Task InitializeAsync() => _page = await BrowserFixture.NewPageAsync(fixture.Browser, fixture.Server.BaseUrl);

    public async Task DisposeAsync()
    {
        await _page.Context.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task An_automation_built_in_the_form_previews_its_matches_and_its_Test_delivery_appears_live()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var pool = ConsoleApi.UniqueName("ui-auto");
        await _http.CreatePoolAsync(pool);
        var run = await _http.RunAsync(pool, "false", docker: false);
        await _http.ClaimAsync(pool, "w");
        await _http.SetStateAsync(run.Id, FlowRunState.Running);
        await _http.SetStateAsync(run.Id, FlowRunState.Failed, exitCode: 1);

        var builder = new BuilderPage(_page);
        await builder.GotoAsync("/automations/new");
        var name = ConsoleApi.UniqueName("ui-hook");
        await builder.FillAsync("#automation-name", name);
        await builder.FillAsync("#trigger-pool", pool);
        // The default trigger is Failed or Crashed: the failed run above is the one recent match in this pool.
        await Expect(_page.Locator("[data-testid=preview-event]")).ToHaveCountAsync(1);
        await Expect(_page.Locator("[data-testid=preview-event]")).ToContainTextAsync(run.Name);
        await builder.FillAsync("#action-0-url", receiver.Url);
        await builder.FillAsync("#action-0-secret", "ui-secret");
        await _page.Locator("#save-automation").ClickAsync();

        await Expect(_page).ToHaveURLAsync(new Regex("/automations/[0-9a-f-]{36}$"));
        await builder.WaitInteractiveAsync();
        await Expect(_page.Locator("[data-testid=automation-details]")).ToContainTextAsync("(signed)");
        await Expect(_page.Locator("[data-testid=deliveries-table]")).ToContainTextAsync("No deliveries yet");
        await builder.MarkDocumentAsync();

        await _page.Locator("#test-automation").ClickAsync();
        await Expect(_page.Locator("[data-testid=delivery-outcome]").First).ToHaveTextAsync("Succeeded", new() { Timeout = 30_000 });
        await Expect(_page.Locator("[data-testid=delivery-status]").First).ToHaveTextAsync("200");
        Assert.True(await builder.IsSameDocumentAsync(), "the delivery appeared without a reload");
        var received = Assert.Single(receiver.Received);
        Assert.Equal("automation.test", received.Header("Console-Event"));
        Assert.StartsWith("sha256=", received.Header("Console-Signature"), StringComparison.Ordinal);

        await builder.NavigateByMenuAsync("automations");
        await Expect(_page.Locator("[data-testid=automations-table]")).ToContainTextAsync(name);
    }

    private sealed class BuilderPage(IPage page) : ConsolePage(page)
    {
        public async Task FillAsync(string selector, string value)
        {
            await Page.Locator(selector).FillAsync(value);
            await Page.Locator(selector).PressAsync("Tab");
        }
    }

    /// <summary>A console whose periodic jobs run (the dispatcher delivers the Test), and Chromium.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private IPlaywright? _playwright;

        public JobsServer Server { get; private set; } = default!;

        public IBrowser Browser { get; private set; } = default!;

        public async Task InitializeAsync()
        {
            var chromium = TestEnvironment.RequireChromium();
            Server = new JobsServer();
            _playwright = await Playwright.CreateAsync();
            Browser = await BrowserFixture.LaunchAsync(_playwright, chromium);
        }

        public async Task DisposeAsync()
        {
            if (Browser is not null)
            {
                await Browser.DisposeAsync();
            }

            _playwright?.Dispose();
            Server?.Dispose();
        }
    }

    public sealed class JobsServer : ConsoleServer
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Jobs:Enabled"] = "true" };
    }
}

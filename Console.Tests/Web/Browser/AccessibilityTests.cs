using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>
/// axe-core's WCAG 2 A/AA audit of every page, its tabs, the create-pool steps and the dialogs, in
/// the light and the dark theme, signed in as an admin (every control present) and as a viewer
/// (disabled controls and notices). Fails on any violation and lists them all.
/// </summary>
public sealed class AccessibilityTests(SecureBrowserFixture fixture) : IClassFixture<SecureBrowserFixture>, IAsyncLifetime
{
    private readonly List<string> _violations = [];
    private readonly List<IPage> _pages = [];
    private string _pool = default!;
    private Guid _deployment;
    private Guid _done;

    public async Task InitializeAsync()
    {
        var api = fixture.Api;
        _pool = ConsoleApi.UniqueName("a11y");
        await api.CreatePoolAsync(_pool, "docker");
        await api.HeartbeatAsync(_pool, "laptop-worker");
        var deployment = await api.CreateDeploymentAsync(_pool, "get-repo-info", ConsoleApi.UniqueName("dep"));
        _deployment = deployment.Id;
        var done = await api.CreateRunAsync(_deployment);
        var failed = await api.CreateRunAsync(_deployment);
        _done = done.Id;
        await api.ClaimAsync(_pool, "laptop-worker");
        await api.SetStateAsync(done.Id, FlowRunState.Running);
        await api.LogAsync(done.Id, "Getting repository info", "Stars: 17345");
        await api.SetStateAsync(done.Id, FlowRunState.Completed, exitCode: 0);
        await api.SetStateAsync(failed.Id, FlowRunState.Failed, exitCode: 1, message: "The flow exited with code 1.");
        await api.CreateRunAsync(_deployment, scheduledStartAt: DateTime.UtcNow.AddMinutes(-2));
    }

    public async Task DisposeAsync()
    {
        foreach (var page in _pages)
        {
            await page.Context.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task Every_page_has_no_WCAG_2_A_or_AA_violation(ColorScheme scheme)
    {
        var admin = await OpenAsync(Roles.Admin, scheme);
        await AuditConsolePagesAsync(admin);
        await AuditDialogsAsync(admin);
        await AuditCreatePoolStepsAsync(admin);
        await AuditAsync(admin, "/account/password", "#current", console: false);
        await AuditAsync(admin, "/signout", "button[type=submit]", console: false);

        var viewer = await OpenAsync(Roles.Viewer, scheme);
        await AuditAsync(viewer, "/work-pools", "[data-testid=role-disabled]");
        await AuditAsync(viewer, $"/work-pools/{_pool}?tab=queues", "[data-testid=queues-table] [data-testid=role-disabled]");
        await AuditAsync(viewer, $"/deployments/{_deployment}", "[data-testid=role-disabled]");
        await AuditAsync(viewer, "/work-pools/_new", "[data-testid=role-refused]");
        await AuditAsync(viewer, "/security/keys", "[data-testid=keys-forbidden]");

        var signedOut = await BrowserFixture.NewPageAsync(fixture.Browser, fixture.Server.BaseUrl, scheme);
        _pages.Add(signedOut);
        await AuditAsync(signedOut, "/signin", "#username", console: false);

        Assert.True(_violations.Count == 0, $"{_violations.Count} axe-core WCAG 2 A/AA violations ({scheme}):\n" + string.Join("\n", _violations));
    }

    [Fact]
    public async Task A_page_in_the_dark_scheme_is_drawn_dark_from_its_first_frame()
    {
        var page = await OpenAsync(Roles.Admin, ColorScheme.Dark);
        // The colour of the first tab the moment it is inserted: a page drawn light, then turned
        // dark, shows light-theme grey here (and fades for 300 ms, too faint to read meanwhile).
        await page.AddInitScriptAsync("""
            new MutationObserver((_, observer) => {
                const tab = document.querySelector('.mud-tab:not(.mud-tab-active)');
                if (tab) { window.firstTabColor = getComputedStyle(tab).color; observer.disconnect(); }
            }).observe(document, { childList: true, subtree: true });
            """);
        await page.GotoAsync($"/work-pools/{_pool}?tab=queues");
        await Expect(page.Locator("[data-testid=queues-table]")).ToBeVisibleAsync();

        var color = await page.EvaluateAsync<string>("() => window.firstTabColor");
        Assert.Equal("rgba(255, 255, 255, 0.698)", color);
    }

    private async Task AuditConsolePagesAsync(IPage page)
    {
        await AuditAsync(page, "/work-pools", "[data-testid=pools-table]");
        await AuditAsync(page, $"/work-pools/{_pool}", "[data-testid=pool-tabs]");
        await AuditAsync(page, $"/work-pools/{_pool}?tab=queues", "[data-testid=queues-table]");
        await AuditAsync(page, $"/work-pools/{_pool}?tab=workers", "[data-testid=workers-table]");
        await AuditAsync(page, $"/work-pools/{_pool}?tab=deployments", "[data-testid=deployments-table]");
        await AuditAsync(page, $"/work-pools/{_pool}?tab=runs", "[data-testid=runs-table]");
        await AuditAsync(page, "/work-queues", "[data-testid=queues-table]");
        await AuditAsync(page, "/workers", "[data-testid=workers-table]");
        await AuditAsync(page, "/deployments", "[data-testid=deployments-table]");
        await AuditAsync(page, $"/deployments/{_deployment}", "[data-testid=runs-table]");
        await AuditAsync(page, "/deployments/new", "[data-testid=wizard]");
        await AuditAsync(page, "/flow-runs", "[data-testid=runs-table]");
        await AuditAsync(page, $"/flow-runs/{_done}", "[data-testid=log-line]");
        await AuditAsync(page, "/insights", "[data-testid=runs-by-state-chart]");
        await AuditAsync(page, $"/insights/{_pool}", "[data-testid=latency-chart]");
        await AuditAsync(page, "/security/keys", "#key-create");
        await AuditAsync(page, "/security/audit", "[data-testid=audit-table]");
        await AuditAsync(page, "/not-found", "h1");
    }

    private async Task AuditDialogsAsync(IPage page)
    {
        await AuditAsync(page, $"/work-pools/{_pool}", "#pool-edit");
        await page.Locator("#pool-edit").ClickAsync();
        await AuditOpenAsync(page, "edit work pool dialog", "[data-testid=edit-pool-dialog]");
        await page.Keyboard.PressAsync("Escape");

        await AuditAsync(page, $"/work-pools/{_pool}?tab=queues", "#create-queue");
        await page.Locator("#create-queue").ClickAsync();
        await AuditOpenAsync(page, "create queue dialog", ".mud-dialog");
        await page.Keyboard.PressAsync("Escape");

        await AuditAsync(page, $"/deployments/{_deployment}", "#deployment-custom-run");
        await page.Locator("#deployment-custom-run").ClickAsync();
        await AuditOpenAsync(page, "custom run dialog", "[data-testid=run-job-variables]");
        await page.Keyboard.PressAsync("Escape");
    }

    private async Task AuditCreatePoolStepsAsync(IPage page)
    {
        await AuditAsync(page, "/work-pools/_new", "#pool-type-docker");
        await page.Locator("#pool-type-docker").CheckAsync();
        await page.Locator("#create-pool-next").ClickAsync();
        await page.Locator("#pool-name").FillAsync("Not A Valid Name");
        await AuditOpenAsync(page, "create pool: details with an error", "#pool-name");
        await page.Locator("#pool-name").FillAsync(ConsoleApi.UniqueName("a11y-new"));
        await page.Locator("#create-pool-next").ClickAsync();
        await AuditOpenAsync(page, "create pool: base job template", "[data-testid=template-editor]");
    }

    private async Task<IPage> OpenAsync(string role, ColorScheme scheme)
    {
        var page = await fixture.SignedInAsync(role, scheme);
        _pages.Add(page);
        // The theme follows the system's scheme until someone picks one.
        var toggle = scheme == ColorScheme.Dark ? "Switch to light mode" : "Switch to dark mode";
        await Expect(page.Locator("#theme-toggle")).ToHaveAttributeAsync("aria-label", toggle);
        return page;
    }

    private async Task AuditAsync(IPage page, string path, string ready, bool console = true)
    {
        await page.GotoAsync(path);
        if (console)
        {
            await Expect(page.Locator("#console-app")).ToHaveAttributeAsync("data-interactive", "true");
        }

        await AuditOpenAsync(page, path, ready);
    }

    private async Task AuditOpenAsync(IPage page, string what, string ready)
    {
        await Expect(page.Locator(ready).First).ToBeVisibleAsync();
        // Tooltips and hover styles belong to the pointer, not to the page.
        await page.Mouse.MoveAsync(0, 0);
        foreach (var violation in await AxeAudit.ViolationsAsync(page))
        {
            _violations.Add($"{what}: {violation}");
        }
    }
}

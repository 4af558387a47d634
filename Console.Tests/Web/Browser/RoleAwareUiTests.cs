using Console.Contracts;
using Console.Contracts.Security;
using Console.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>
/// The console offers what the signed-in role may do (real sign-in through the form): viewers get
/// no write controls (pause switches show, disabled, with a tooltip naming who may), operators get
/// no key, user or audit management, admins get everything.
/// </summary>
public sealed class RoleAwareUiTests(SecureBrowserFixture fixture) : IClassFixture<SecureBrowserFixture>, IAsyncLifetime
{
    private readonly List<IPage> _pages = [];
    private string _pool = default!;
    private DeploymentDto _deployment = default!;
    private FlowRunDto _run = default!;

    public async Task InitializeAsync()
    {
        _pool = ConsoleApi.UniqueName("roles");
        await fixture.Api.CreatePoolAsync(_pool);
        _deployment = await fixture.Api.CreateDeploymentAsync(_pool, "hello", ConsoleApi.UniqueName("dep"));
        _run = await fixture.Api.CreateRunAsync(_deployment.Id);
    }

    public async Task DisposeAsync()
    {
        foreach (var page in _pages)
        {
            await page.Context.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_viewer_sees_no_write_controls_and_disabled_pause_switches()
    {
        var page = await SignInAsync(Roles.Viewer);
        var ui = new WorkPoolsPage(page);

        await ui.OpenAsync();
        var row = ui.Row(_pool);
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.Locator("#create-pool")).ToHaveCountAsync(0);
        await Expect(row.Locator("[data-testid=pool-pause]")).ToBeDisabledAsync();
        await Expect(row.Locator("[data-testid=pool-edit], [data-testid=pool-delete]")).ToHaveCountAsync(0);
        await row.Locator("[data-testid=role-disabled]").HoverAsync();
        await Expect(page.Locator(".mud-tooltip", new() { HasText = "Only operators and admins may do this; you are signed in as viewer." })).ToBeVisibleAsync();

        var pool = new WorkPoolPage(page);
        await pool.OpenAsync(_pool);
        await Expect(page.Locator(".page-header [data-testid=pool-pause]")).ToBeDisabledAsync();
        await Expect(page.Locator("#pool-edit, #pool-delete")).ToHaveCountAsync(0);
        await Expect(page.Locator("#pool-insights")).ToBeVisibleAsync();
        await pool.OpenTabAsync("Work Queues");
        await Expect(pool.QueueRow("default").Locator("[data-testid=queue-pause]")).ToBeDisabledAsync();
        await Expect(page.Locator("#create-queue, [data-testid=queue-edit], [data-testid=queue-delete]")).ToHaveCountAsync(0);
        await pool.OpenTabAsync("Deployments");
        await Expect(page.Locator("[data-testid=deployment-link]")).ToBeVisibleAsync();
        await Expect(page.Locator("#new-deployment, [data-testid=deployment-run]")).ToHaveCountAsync(0);

        await ui.GotoAsync("/deployments");
        await Expect(page.Locator("[data-testid=deployments-table]")).ToBeVisibleAsync();
        await Expect(page.Locator("#new-deployment, [data-testid=deployment-run]")).ToHaveCountAsync(0);
        await ui.GotoAsync($"/deployments/{_deployment.Id}");
        await Expect(page.Locator("[data-testid=deployment-pause]")).ToBeDisabledAsync();
        await Expect(page.Locator("#deployment-run, #deployment-custom-run, #deployment-delete")).ToHaveCountAsync(0);
        await ui.GotoAsync($"/flow-runs/{_run.Id}");
        await Expect(page.Locator("[data-testid=logs]")).ToBeVisibleAsync();
        await Expect(page.Locator("#run-cancel")).ToHaveCountAsync(0);

        await ui.GotoAsync("/work-pools/_new");
        await Expect(page.Locator("[data-testid=role-refused]")).ToContainTextAsync("Only operators and admins create work pools");
        await ui.GotoAsync("/deployments/new");
        await Expect(page.Locator("[data-testid=role-refused]")).ToContainTextAsync("Only operators and admins create deployments");

        await AssertAccountMenuAsync(page, "viewer", admin: false);
        await ui.GotoAsync("/security/keys");
        await Expect(page.Locator("[data-testid=keys-forbidden]")).ToBeVisibleAsync();
        await ui.GotoAsync("/security/audit");
        await Expect(page.Locator("[data-testid=audit-forbidden]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_viewers_forced_click_on_a_write_control_leaves_the_page_working_and_the_data_unchanged()
    {
        var page = await SignInAsync(Roles.Viewer);
        var pool = new WorkPoolPage(page);
        await pool.OpenAsync(_pool);
        await pool.MarkDocumentAsync();
        var pause = page.Locator(".page-header [data-testid=pool-pause]");

        await pause.ClickAsync(new() { Force = true });
        // The browser's own way around a disabled control: take the attribute off and click.
        await pause.EvaluateAsync("input => { input.disabled = false; input.click(); }");

        await Expect(page.Locator("[data-testid=page-error]")).ToHaveCountAsync(0);
        await pool.OpenTabAsync("Work Queues");
        await Expect(pool.QueueStatus("default")).ToBeVisibleAsync();
        Assert.True(await pool.IsSameDocumentAsync(), "the page reloaded");
        Assert.False((await PoolAsync()).IsPaused, "a viewer's click paused the pool");
    }

    [Fact]
    public async Task An_operator_runs_the_orchestration_but_sees_no_key_user_or_audit_management()
    {
        var page = await SignInAsync(Roles.Operator);
        var ui = new WorkPoolsPage(page);

        await ui.OpenAsync();
        var row = ui.Row(_pool);
        await Expect(page.Locator("#create-pool")).ToBeVisibleAsync();
        await Expect(row.Locator("[data-testid=pool-pause]")).ToBeEnabledAsync();
        await Expect(row.Locator("[data-testid=pool-edit]")).ToBeVisibleAsync();
        await Expect(row.Locator("[data-testid=pool-delete]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=role-disabled]")).ToHaveCountAsync(0);

        await ui.GotoAsync($"/deployments/{_deployment.Id}");
        await Expect(page.Locator("#deployment-run")).ToBeVisibleAsync();
        await Expect(page.Locator("#deployment-delete")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=deployment-pause]")).ToBeEnabledAsync();
        await ui.GotoAsync($"/flow-runs/{_run.Id}");
        await Expect(page.Locator("#run-cancel")).ToBeVisibleAsync();
        await ui.GotoAsync("/work-pools/_new");
        await Expect(page.Locator("#pool-type-process")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=role-refused]")).ToHaveCountAsync(0);

        await AssertAccountMenuAsync(page, "operator", admin: false);
        await ui.GotoAsync("/security/keys");
        await Expect(page.Locator("[data-testid=keys-forbidden]")).ToBeVisibleAsync();

        // An operator's pause goes through.
        await ui.OpenAsync();
        await ui.Row(_pool).Locator("[data-testid=pool-pause]").CheckAsync();
        await Expect(page.Locator(".mud-snackbar", new() { HasText = "paused" })).ToBeVisibleAsync();
        Assert.True((await PoolAsync()).IsPaused);
    }

    [Fact]
    public async Task An_admin_sees_everything()
    {
        var page = await SignInAsync(Roles.Admin);
        var ui = new WorkPoolsPage(page);

        await ui.OpenAsync();
        await Expect(page.Locator("#create-pool")).ToBeVisibleAsync();
        await Expect(ui.Row(_pool).Locator("[data-testid=pool-delete]")).ToBeVisibleAsync();
        await Expect(ui.Row(_pool).Locator("[data-testid=pool-pause]")).ToBeEnabledAsync();
        await ui.GotoAsync($"/deployments/{_deployment.Id}");
        await Expect(page.Locator("#deployment-custom-run")).ToBeVisibleAsync();

        await AssertAccountMenuAsync(page, "admin", admin: true);
        await page.Locator("[data-testid=menu-keys]").ClickAsync();
        await Expect(page.Locator("#key-create")).ToBeVisibleAsync();
        await ui.GotoAsync("/security/audit");
        await Expect(page.Locator("[data-testid=audit-forbidden]")).ToHaveCountAsync(0);
        await Expect(page.Locator("h1, .mud-typography-h4", new() { HasText = "Audit log" }).First).ToBeVisibleAsync();
    }

    private async Task<IPage> SignInAsync(string role)
    {
        var page = await fixture.SignedInAsync(role);
        _pages.Add(page);
        return page;
    }

    private static async Task AssertAccountMenuAsync(IPage page, string role, bool admin)
    {
        await page.Locator("[data-testid=account-menu] button").First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open", new() { HasText = $"({role})" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=menu-keys]")).ToHaveCountAsync(admin ? 1 : 0);
        await Expect(page.Locator("[data-testid=menu-audit]")).ToHaveCountAsync(admin ? 1 : 0);
        if (!admin)
        {
            await page.Keyboard.PressAsync("Escape");
        }
    }

    private async Task<WorkPoolDto> PoolAsync()
    {
        return await fixture.Api.GetJsonAsync<WorkPoolDto>($"/api/work-pools/{_pool}");
    }
}

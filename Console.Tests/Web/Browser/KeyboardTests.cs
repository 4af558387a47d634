using System.Text.RegularExpressions;
using Console.Contracts;
using Console.Tests.Web.Wizard;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>
/// The create-pool form and the deployment wizard used with the keyboard alone (Tab, arrows, Space,
/// Enter, typing; no click), and every control reached shows where the focus is. The console here
/// runs open (no users or keys yet), where everyone may do everything.
/// </summary>
public sealed class KeyboardTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private IPage _page = default!;

    public async Task InitializeAsync() => _page = await browser.NewPageAsync();

    public async Task DisposeAsync() => await _page.Context.DisposeAsync();

    [Fact]
    public async Task A_work_pool_is_created_with_the_keyboard_alone()
    {
        var name = ConsoleApi.UniqueTypedName("keys");
        var pools = new WorkPoolsPage(_page);
        await pools.GotoAsync("/work-pools/_new");
        await Expect(_page.Locator("#pool-type-docker")).ToBeVisibleAsync();

        await TabToAsync("input[type=radio]");
        await ArrowToAsync("#pool-type-process");
        await _page.Keyboard.PressAsync("Space");
        await Expect(_page.Locator("#pool-type-process")).ToBeCheckedAsync();
        await PressOnAsync("#create-pool-next", "Enter");

        await TabToAsync("#pool-name");
        await _page.Keyboard.TypeAsync(name);
        await PressOnAsync("#create-pool-next", "Enter");
        await Expect(_page.Locator("[data-testid=template-editor]")).ToBeVisibleAsync();
        await PressOnAsync("#create-pool-submit", "Enter");

        await Expect(_page).ToHaveURLAsync(new Regex($"/work-pools/{Regex.Escape(name)}$"));
        await Expect(_page.Locator("[data-testid=page-title]")).ToHaveTextAsync(name);
    }

    [Fact]
    public async Task A_deployment_is_created_with_the_keyboard_alone()
    {
        var name = ConsoleApi.UniqueTypedName("keys");
        var pool = ConsoleApi.UniqueTypedName("keyspool");
        var wizard = new WizardPage(_page);
        await wizard.OpenAsync();
        // The wizard opens on the example project with its one flow chosen.
        await Expect(_page.Locator("#wizard-flow-get-repo-info")).ToBeCheckedAsync();

        await PressOnAsync("#wizard-next", "Enter");
        await wizard.ExpectStepAsync("entrypoint");
        await PressOnAsync("#wizard-next", "Enter");
        await wizard.ExpectStepAsync("name");
        await TabToAsync("#wizard-name");
        await _page.Keyboard.TypeAsync(name);
        await PressOnAsync("#wizard-next", "Enter");
        await wizard.ExpectStepAsync("schedule");
        await PressOnAsync("#wizard-next", "Enter");
        await wizard.ExpectStepAsync("pool");

        await TabToAsync("#wizard-pool-existing, #wizard-pool-new");
        await ArrowToAsync("#wizard-pool-new");
        await _page.Keyboard.PressAsync("Space");
        await Expect(_page.Locator("#wizard-pool-new")).ToBeCheckedAsync();
        await TabToAsync("#wizard-new-pool-name");
        await _page.Keyboard.TypeAsync(pool);
        await TabToAsync("[id^=wizard-new-pool-type-]");
        await ArrowToAsync("#wizard-new-pool-type-process");
        await _page.Keyboard.PressAsync("Space");
        await Expect(_page.Locator("#wizard-new-pool-type-process")).ToBeCheckedAsync();
        await PressOnAsync("#wizard-new-pool-create", "Enter");
        await Expect(_page.Locator("#wizard-pool-existing")).ToBeCheckedAsync();
        await PressOnAsync("#wizard-next", "Enter");
        await wizard.ExpectStepAsync("variables");
        await PressOnAsync("#wizard-next", "Enter");
        await wizard.ExpectStepAsync("review");
        await PressOnAsync("#wizard-create", "Enter");

        await Expect(_page.Locator("[data-testid=wizard-created]")).ToContainTextAsync(name);
        using var http = browser.Server.CreateHttpClient();
        var deployment = await http.GetJsonAsync<DeploymentDto>($"/api/deployments/by-name/get-repo-info/{name}");
        Assert.Equal(pool, deployment.WorkPoolName);
    }

    /// <summary>Tabs forward until the focus is on <paramref name="selector"/>, which must show it has the focus.</summary>
    private async Task TabToAsync(string selector)
    {
        for (var i = 0; i < 80; i++)
        {
            await _page.Keyboard.PressAsync("Tab");
            if (await FocusedMatchesAsync(selector))
            {
                await AssertFocusVisibleAsync(selector);
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector}: it is not in the keyboard's reach");
    }

    /// <summary>Moves inside a radio group with the arrow keys until <paramref name="selector"/> has the focus.</summary>
    private async Task ArrowToAsync(string selector)
    {
        for (var i = 0; i < 12 && !await FocusedMatchesAsync(selector); i++)
        {
            await _page.Keyboard.PressAsync("ArrowDown");
        }

        Assert.True(await FocusedMatchesAsync(selector), $"the arrow keys never reached {selector}");
        await AssertFocusVisibleAsync(selector);
    }

    private async Task PressOnAsync(string selector, string key)
    {
        await TabToAsync(selector);
        await _page.Keyboard.PressAsync(key);
    }

    private Task<bool> FocusedMatchesAsync(string selector) =>
        _page.EvaluateAsync<bool>("s => !!document.activeElement && !!document.activeElement.closest(s)", selector);

    /// <summary>
    /// A visible outline on the focused element, or on the visible control around it (MudBlazor hides
    /// native radios and draws its text fields' box on a wrapper).
    /// </summary>
    private async Task AssertFocusVisibleAsync(string selector)
    {
        var visible = await _page.EvaluateAsync<bool>("""
            () => {
                const seen = el => {
                    const s = getComputedStyle(el), box = el.getBoundingClientRect();
                    return s.opacity !== '0' && s.visibility !== 'hidden' && box.width > 1 && box.height > 1;
                };
                const ring = el => {
                    const s = getComputedStyle(el);
                    // An outline only: a raised button's shadow is there with or without the focus.
                    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
                };
                for (let el = document.activeElement, i = 0; el && i < 4; el = el.parentElement, i++) {
                    if (seen(el) && ring(el)) return true;
                }
                return false;
            }
            """);
        Assert.True(visible, $"{selector} has the focus but does not show it");
    }
}

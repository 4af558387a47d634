using Console.Tests.Web.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Wizard;

/// <summary>The deployment wizard at /deployments/new.</summary>
public sealed class WizardPage(IPage page) : ConsolePage(page)
{
    public ILocator Wizard => Page.Locator("[data-testid=wizard]");

    public async Task OpenAsync()
    {
        await GotoAsync("/deployments/new");
        await ExpectStepAsync("flow");
    }

    public Task ExpectStepAsync(string step) => Expect(Wizard).ToHaveAttributeAsync("data-step", step);

    public async Task NextAsync(string expected)
    {
        await Page.Locator("#wizard-next").ClickAsync();
        await ExpectStepAsync(expected);
    }

    public async Task BackAsync(string expected)
    {
        await Page.Locator("#wizard-back").ClickAsync();
        await ExpectStepAsync(expected);
    }
}

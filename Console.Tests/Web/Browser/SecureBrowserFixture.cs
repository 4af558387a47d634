using Console.Contracts.Security;
using Console.Tests.Infrastructure;
using Console.Tests.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Web.Browser;

/// <summary>
/// A console that requires sign-in, on a real Kestrel port, with Debian Chromium: people sign in
/// through the real /signin form; automation (<see cref="Api"/>) uses an admin API key.
/// </summary>
public sealed class SecureBrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public SecureConsoleServer Server { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>REST as an admin key (creating the data the pages show), through the <see cref="ConsoleApi"/> extensions.</summary>
    public HttpClient Api { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var chromium = TestEnvironment.RequireChromium();
        Server = new SecureConsoleServer();
        Api = Server.CreateHttpClient();
        Api.DefaultRequestHeaders.Authorization = new("Bearer", await Server.KeyAsync(Roles.Admin));
        _playwright = await Playwright.CreateAsync();
        Browser = await BrowserFixture.LaunchAsync(_playwright, chromium);
    }

    /// <summary>A fresh browser signed in through the sign-in form as a new user of <paramref name="role"/>.</summary>
    public async Task<IPage> SignedInAsync(string role, ColorScheme scheme = ColorScheme.Light)
    {
        var user = await Server.UserAsync(role);
        var page = await BrowserFixture.NewPageAsync(Browser, Server.BaseUrl, scheme);
        await page.GotoAsync("/signin?returnUrl=%2Fwork-pools");
        await page.Locator("#username").FillAsync(user);
        await page.Locator("#password").FillAsync(SecureConsoleServer.Password);
        await page.Locator("button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/work-pools$"));
        await Expect(page.Locator("#console-app")).ToHaveAttributeAsync("data-interactive", "true");
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Api?.Dispose();
        Server?.Dispose();
    }
}

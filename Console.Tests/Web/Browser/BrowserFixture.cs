using Console.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Console.Tests.Web.Browser;

/// <summary>
/// One console on a real Kestrel port and one Debian Chromium per test class. Without Chromium the
/// class FAILS with a message naming the package (never skips). Playwright's browser download is
/// never used: the browser is the system's.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    private IPlaywright? _playwright;

    public ConsoleServer Server { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var chromium = TestEnvironment.RequireChromium();
        Server = new ConsoleServer();
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchAsync(_playwright, chromium);
    }

    public Task<IPage> NewPageAsync() => NewPageAsync(Browser, Server.BaseUrl);

    /// <summary>Debian's Chromium, headless, with the expectation bound every browser test uses.</summary>
    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright, string chromium)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        // Expectations wait for their condition and return as soon as it holds; this is the bound.
        Assertions.SetDefaultExpectTimeout(20_000);
        return browser;
    }

    /// <summary>A fresh browser context on the console at <paramref name="baseUrl"/>, with the system's colour scheme.</summary>
    public static async Task<IPage> NewPageAsync(IBrowser browser, string baseUrl, ColorScheme scheme = ColorScheme.Light)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            ColorScheme = scheme,
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
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

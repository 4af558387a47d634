using System.Text.Json;
using System.Text.RegularExpressions;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Console.Core.Security;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.Security;

/// <summary>The console on Kestrel, signing people in through <see cref="TestIdentityProvider"/> (its operators' group maps to operator).</summary>
public sealed class OidcConsoleServer(string authority) : ConsoleServer
{
    public const string ProviderName = "Test IdP";

    // A field initializer: it runs before the base constructor, which already starts the host.
    private readonly string _authority = authority;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Security:Oidc:Authority"] = _authority,
        ["Security:Oidc:DisplayName"] = ProviderName,
        ["Security:Oidc:ClientId"] = TestIdentityProvider.ClientId,
        ["Security:Oidc:ClientSecret"] = TestIdentityProvider.ClientSecret,
        ["Security:Oidc:RequireHttpsMetadata"] = "false",
        ["Security:Oidc:OperatorGroups:0"] = TestIdentityProvider.OperatorGroup,
        ["Security:Oidc:AdminGroups:0"] = "console-admins",
    };
}

/// <summary>A real provider on loopback, the console configured for it, and Debian Chromium.</summary>
public sealed class OidcFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public TestIdentityProvider Provider { get; private set; } = default!;

    public OidcConsoleServer Server { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var chromium = TestEnvironment.RequireChromium();
        Provider = await TestIdentityProvider.StartAsync();
        Server = new OidcConsoleServer(Provider.Authority);
        await WarmUpAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await BrowserFixture.LaunchAsync(_playwright, chromium);
    }

    /// <summary>
    /// The first sign-in makes the console fetch the provider's discovery document and keys, and
    /// both hosts compile their sign-in paths: done once here, outside the browser's time bounds.
    /// </summary>
    private async Task WarmUpAsync()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(Server.BaseUrl) };
        var challenge = await client.GetAsync("/signin/oidc");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, challenge.StatusCode);
        var login = await client.GetAsync(challenge.Headers.Location);
        Assert.Equal(System.Net.HttpStatusCode.OK, login.StatusCode);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Server?.Dispose();
        if (Provider is not null)
        {
            await Provider.DisposeAsync();
        }
    }
}

/// <summary>
/// Alone, after the parallel classes: the provider runs in this test process, and a thread pool
/// starved by dozens of hosts starting at once left its discovery unanswered for a minute.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IdentityProviderCollection
{
    public const string Name = "Identity provider";
}

/// <summary>Sign-in with the team's identity provider, the whole way through in a browser.</summary>
[Collection(IdentityProviderCollection.Name)]
public sealed class OidcSignInTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    [Fact]
    public async Task Signing_in_with_the_provider_ends_signed_in_with_the_role_the_group_maps_to()
    {
        var page = await BrowserFixture.NewPageAsync(fixture.Browser, fixture.Server.BaseUrl);
        await page.GotoAsync("/work-pools");
        await Expect(page).ToHaveURLAsync(new Regex("/signin"));

        await page.Locator("#signin-oidc").ClickAsync();
        await LogInAtProviderAsync(page, "olivia");

        await Expect(page).ToHaveURLAsync(new Regex("/work-pools$"));
        var console = new WorkPoolsPage(page);
        await console.WaitInteractiveAsync();
        await console.WaitLoadedAsync();
        // An operator may create a pool through the UI (a viewer's attempt would be refused).
        await console.CreatePoolAsync("oidc-" + Guid.NewGuid().ToString("N")[..8], "process");

        var me = await MeAsync(page);
        Assert.Equal(("olivia", "user", Roles.Operator), (me.GetProperty("name").GetString(), me.GetProperty("kind").GetString(), me.GetProperty("role").GetString()));
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Users.AsNoTracking().SingleAsync(u => u.UserName == "olivia");
        Assert.Equal(Roles.Operator, stored.Role);
        Assert.False(PasswordHashing.Verify(TestIdentityProvider.Password, stored.PasswordHash), "a provider's person has no console password");
    }

    [Theory]
    [InlineData(ColorScheme.Light)]
    [InlineData(ColorScheme.Dark)]
    public async Task The_sign_in_page_with_the_provider_button_has_no_WCAG_2_A_or_AA_violation(ColorScheme scheme)
    {
        var page = await BrowserFixture.NewPageAsync(fixture.Browser, fixture.Server.BaseUrl, scheme);
        // The refusal's message too: the page as a person whose groups map to no role sees it.
        await page.GotoAsync("/signin?error=oidc-no-role");
        await Expect(page.Locator("#signin-oidc")).ToBeVisibleAsync();
        await Expect(page.Locator("p.error")).ToBeVisibleAsync();

        var violations = await AxeAudit.ViolationsAsync(page);
        Assert.True(violations.Count == 0, $"{violations.Count} axe-core WCAG 2 A/AA violations ({scheme}):\n" + string.Join("\n", violations));
        await page.Context.DisposeAsync();
    }

    [Fact]
    public async Task A_person_in_no_mapped_group_is_refused()
    {
        var page = await BrowserFixture.NewPageAsync(fixture.Browser, fixture.Server.BaseUrl);
        await page.GotoAsync("/signin");
        await Expect(page.Locator("#signin-oidc")).ToHaveTextAsync($"Sign in with {OidcConsoleServer.ProviderName}");
        await page.Locator("#signin-oidc").ClickAsync();
        await LogInAtProviderAsync(page, "mallory");

        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?error=oidc-no-role"));
        await Expect(page.Locator("p.error")).ToContainTextAsync("none of your groups is given a role");
        var status = await page.EvaluateAsync<int>("() => fetch('/api/me').then(r => r.status)");
        Assert.Equal(401, status);
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Users.AnyAsync(u => u.UserName == "mallory"));
    }

    private static async Task LogInAtProviderAsync(IPage page, string name)
    {
        await Expect(page.Locator("h1")).ToHaveTextAsync("Test IdP");
        await page.Locator("#idp-name").FillAsync(name);
        await page.Locator("#idp-password").FillAsync(TestIdentityProvider.Password);
        await page.Locator("#idp-submit").ClickAsync();
    }

    private static async Task<JsonElement> MeAsync(IPage page) =>
        await page.EvaluateAsync<JsonElement>("() => fetch('/api/me').then(r => r.json())");
}

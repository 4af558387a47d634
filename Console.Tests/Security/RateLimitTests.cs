using System.Net;
using Console.Contracts.Security;
using Console.Core.Security;
using Console.Tests.Infrastructure;
using Console.Tests.Worker;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>The real app with small limits and a short window, so going over the limit and past the window is quick.</summary>
public sealed class RateLimitedApiFactory : SecureApiFactory
{
    public const int Permits = 3;
    public const int WindowSeconds = 8;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Security:RequireAuth"] = "true",
        ["Security:SignInPermitsPerMinute"] = Permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Security:AdminPermitsPerMinute"] = Permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Security:RateLimitWindowSeconds"] = WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Sign-in and key management are rate limited per client address: 429 problem details past the limit.</summary>
public sealed class RateLimitTests(RateLimitedApiFactory factory) : IClassFixture<RateLimitedApiFactory>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Sign_in_attempts_over_the_limit_get_429_problem_details_and_sign_in_works_again_after_the_window()
    {
        var user = await UserAsync();
        using var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        for (var attempt = 0; attempt < RateLimitedApiFactory.Permits; attempt++)
        {
            var wrong = await SignInTests.SignInAsync(browser, user, "not the password!");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // Even the right password is refused now: the limit counts attempts, not failures.
        var limited = await SignInTests.SignInAsync(browser, user, Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var problem = await limited.ReadAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>();
        Assert.Equal((429, "Too many requests"), (problem.Status, problem.Title));
        Assert.StartsWith("Too many attempts from this address; wait ", problem.Detail, StringComparison.Ordinal);
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, RateLimitedApiFactory.WindowSeconds);
        Assert.False(limited.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(".console.auth=", StringComparison.Ordinal)),
            "a refused attempt must not sign in");

        // Refused attempts take no permit, so asking until one is let through ends once the window has passed.
        HttpResponseMessage? signedIn = null;
        await Wait.UntilAsync(async () =>
        {
            signedIn = await SignInTests.SignInAsync(browser, user, Password);
            return signedIn.StatusCode != HttpStatusCode.TooManyRequests;
        }, "a sign-in to be accepted after the rate-limit window", timeoutSeconds: 3 * RateLimitedApiFactory.WindowSeconds);
        Assert.Equal(HttpStatusCode.Redirect, signedIn!.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Key_endpoints_over_the_limit_get_429_while_other_endpoints_still_answer()
    {
        using var admin = factory.ClientWith(await factory.KeyAsync(Roles.Admin));

        for (var call = 0; call < RateLimitedApiFactory.Permits; call++)
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/keys")).StatusCode);
        }

        var limited = await admin.GetAsync("/api/keys");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await admin.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "one too many", Role = Roles.Viewer })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/work-pools")).StatusCode);

        await using var scope = factory.Services.CreateAsyncScope();
        var keys = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().ListAsync();
        Assert.DoesNotContain(keys, k => k.Name == "one too many");
    }

    private async Task<string> UserAsync()
    {
        var name = $"limited-{Guid.NewGuid():N}"[..20];
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync(new CreateUserRequest { UserName = name, Role = Roles.Viewer, Password = Password });
        return name;
    }
}

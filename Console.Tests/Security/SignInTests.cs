using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Core.Security;
using Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>The console sign-in: a cookie with the same roles as keys, forms with antiforgery, one-time passwords.</summary>
public sealed partial class SignInTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    private const string Password = "correct horse battery staple";

    [GeneratedRegex("name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [Fact]
    public async Task Pages_send_people_to_the_sign_in_page_and_the_api_answers_401()
    {
        using var browser = Browser();
        var page = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/signin?returnUrl=%2F", page.Headers.Location!.PathAndQuery);
        await AssertProblemAsync(await browser.GetAsync("/api/work-pools"), HttpStatusCode.Unauthorized);

        var form = await browser.GetAsync("/signin");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var html = await form.Content.ReadAsStringAsync();
        Assert.Contains("name=\"Password\"", html, StringComparison.Ordinal);
        Assert.Contains("__RequestVerificationToken", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_in_sets_a_cookie_that_carries_the_users_role_and_signing_out_ends_it()
    {
        var user = await UserAsync(Roles.Operator);
        using var browser = Browser();

        var signedIn = await SignInAsync(browser, user, Password, returnUrl: "/work-pools");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/work-pools", signedIn.Headers.Location!.OriginalString);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".console.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        var me = await (await browser.GetAsync("/api/me")).ReadAsync<WhoAmIDto>();
        Assert.Equal((user, "user", Roles.Operator, true), (me.Name, me.Kind, me.Role, me.AuthRequired));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await browser.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("by-cookie"), Type = "process" })).StatusCode);
        await AssertProblemAsync(await browser.GetAsync("/api/keys"), HttpStatusCode.Forbidden);

        var signOutForm = await browser.GetStringAsync("/signout");
        var signedOut = await browser.PostAsync("/signout", Form(signOutForm, ("Confirm", "yes")));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        await AssertProblemAsync(await browser.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_copy_of_a_signed_out_cookie_gets_401()
    {
        var user = await UserAsync(Roles.Operator);
        using var browser = Browser();
        var signedIn = await SignInAsync(browser, user, Password);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".console.auth=", StringComparison.Ordinal)).Split(';')[0];
        using var copy = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        copy.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/me")).StatusCode);

        var signOutForm = await browser.GetStringAsync("/signout");
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("/signout", Form(signOutForm, ("Confirm", "yes")))).StatusCode);

        await AssertProblemAsync(await copy.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        using var again = Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(again, user, Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task The_sign_in_cookie_is_secure_whenever_the_request_is_https()
    {
        var user = await UserAsync(Roles.Viewer);
        using var https = Factory.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri("https://localhost"),
        });
        var overHttps = Assert.Single((await SignInAsync(https, user, Password)).Headers.GetValues("Set-Cookie"), c => c.StartsWith(".console.auth=", StringComparison.Ordinal));
        Assert.Contains("; secure", overHttps, StringComparison.OrdinalIgnoreCase);

        using var http = Browser();
        var overHttp = Assert.Single((await SignInAsync(http, user, Password)).Headers.GetValues("Set-Cookie"), c => c.StartsWith(".console.auth=", StringComparison.Ordinal));
        Assert.DoesNotContain("; secure", overHttp, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_viewer_signed_in_reads_but_cannot_write()
    {
        var user = await UserAsync(Roles.Viewer);
        using var browser = Browser();
        await SignInAsync(browser, user, Password);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/work-pools")).StatusCode);
        var before = await RowsAsync();
        await AssertProblemAsync(await browser.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("nope"), Type = "process" }), HttpStatusCode.Forbidden);
        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task A_wrong_password_or_unknown_user_is_refused_the_same_way()
    {
        var user = await UserAsync(Roles.Admin);
        using var browser = Browser();
        foreach (var (name, password) in new[] { (user, "wrong password!!"), ("nobody-here", Password), (user, "") })
        {
            var response = await SignInAsync(browser, name, password);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Unknown user name or wrong password.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(".console.auth=", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused()
    {
        var user = await UserAsync(Roles.Admin);
        using var browser = Browser();
        var response = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = user, ["Password"] = Password }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(".console.auth=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_return_url_to_another_site_goes_home_instead()
    {
        var user = await UserAsync(Roles.Viewer);
        using var browser = Browser();
        foreach (var url in new[] { "https://evil.example/", "//evil.example/x", "/\\evil.example" })
        {
            var response = await SignInAsync(browser, user, Password, returnUrl: url);
            Assert.Equal("/", response.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task A_one_time_password_must_be_replaced_before_anything_else()
    {
        var created = await (await Client.PostJsonAsync("/api/users", new CreateUserRequest { UserName = Unique("new"), Role = Roles.Operator }))
            .ReadAsync<CreatedUserDto>();
        Assert.True(created.User.MustChangePassword);
        var oneTime = created.OneTimePassword!;
        using var browser = Browser();

        var signedIn = await SignInAsync(browser, created.User.UserName, oneTime, returnUrl: "/deployments");
        Assert.Equal("/account/password?returnUrl=%2Fdeployments", signedIn.Headers.Location!.OriginalString);
        var refused = await AssertProblemAsync(await browser.GetAsync("/api/work-pools"), HttpStatusCode.Forbidden);
        Assert.Contains("one-time password", refused["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).StatusCode);

        var form = await browser.GetStringAsync("/account/password?returnUrl=%2Fdeployments");
        var mismatch = await browser.PostAsync("/account/password", Form(form,
            ("CurrentPassword", oneTime), ("NewPassword", "my own long password"), ("ConfirmPassword", "another long password"), ("ReturnUrl", "/deployments")));
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);

        var changed = await browser.PostAsync("/account/password", Form(form,
            ("CurrentPassword", oneTime), ("NewPassword", "my own long password"), ("ConfirmPassword", "my own long password"), ("ReturnUrl", "/deployments")));
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal("/deployments", changed.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/work-pools")).StatusCode);

        using var other = Browser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(other, created.User.UserName, oneTime)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(other, created.User.UserName, "my own long password")).StatusCode);
    }

    [Fact]
    public async Task Deleting_a_user_ends_their_sign_in()
    {
        var user = await UserAsync(Roles.Operator);
        using var browser = Browser();
        await SignInAsync(browser, user, Password);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/users/{user}")).StatusCode);
        await AssertProblemAsync(await browser.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Passwords_are_stored_as_hashes_only()
    {
        var user = await UserAsync(Roles.Viewer);
        await using var scope = Factory.Services.CreateAsyncScope();
        var stored = (await scope.ServiceProvider.GetRequiredService<UserService>().FindAsync(user))!;
        Assert.DoesNotContain(Password, stored.PasswordHash, StringComparison.Ordinal);
        Assert.StartsWith("pbkdf2-sha512$", stored.PasswordHash, StringComparison.Ordinal);
        Assert.True(PasswordHashing.Verify(Password, stored.PasswordHash));
    }

    private HttpClient Browser() => Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private async Task<string> UserAsync(string role)
    {
        var name = Unique(role);
        await using var scope = Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync(new CreateUserRequest { UserName = name, Role = role, Password = Password });
        return name;
    }

    internal static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string user, string password, string returnUrl = "/")
    {
        var form = await browser.GetStringAsync("/signin");
        return await browser.PostAsync("/signin", Form(form, ("UserName", user), ("Password", password), ("ReturnUrl", returnUrl)));
    }

    /// <summary>Posts back a rendered form's antiforgery token with the given fields.</summary>
    internal static FormUrlEncodedContent Form(string html, params (string Name, string Value)[] fields)
    {
        var token = TokenPattern().Match(html);
        Assert.True(token.Success, "the page has no antiforgery token");
        var values = new Dictionary<string, string> { [token.Groups[1].Value] = token.Groups[2].Value };
        foreach (var (name, value) in fields)
        {
            values[name] = value;
        }

        return new FormUrlEncodedContent(values);
    }
}

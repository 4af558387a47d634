using System.Net;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Console.Tests.Security;

/// <summary>
/// A real OpenID Connect provider (OpenIddict) on a loopback port of this test process: discovery,
/// an authorization endpoint with its own login form, a token endpoint that checks the client's
/// secret and PKCE, signed ID tokens. Its people and their groups are fixed below.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "console";
    public const string ClientSecret = "console-test-client-secret";
    public const string Password = "idp password 123";
    public const string OperatorGroup = "console-operators";

    /// <summary>People of the provider and their groups: one in the operators' group, one in no group the console maps.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> People = new Dictionary<string, string[]>
    {
        ["olivia"] = [OperatorGroup, "everyone"],
        ["mallory"] = ["marketing", "everyone"],
    };

    private readonly WebApplication _app;

    private TestIdentityProvider(WebApplication app, string authority)
    {
        _app = app;
        Authority = authority;
    }

    public string Authority { get; }

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication();
        builder.Services.AddOpenIddict().AddServer(o =>
        {
            o.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            o.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email);
            o.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
            // No application or token stores: the one client is checked by the handlers below.
            o.EnableDegradedMode();
            o.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            o.AddEventHandler<ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(context =>
            {
                if (context.ClientId != ClientId)
                {
                    context.Reject(Errors.InvalidClient, "Unknown client.");
                }
                else if (!IsConsoleCallback(context.RedirectUri))
                {
                    context.Reject(Errors.InvalidRequest, "The redirect_uri is not the console's callback on loopback.");
                }

                return default;
            }));
            o.AddEventHandler<ValidateTokenRequestContext>(b => b.UseInlineHandler(context =>
            {
                if (context.ClientId != ClientId || context.ClientSecret != ClientSecret)
                {
                    context.Reject(Errors.InvalidClient, "Wrong client id or secret.");
                }

                return default;
            }));
        });

        var app = builder.Build();
        app.UseAuthentication();
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], (Func<HttpContext, Task<IResult>>)AuthorizeAsync);
        await app.StartAsync();
        return new TestIdentityProvider(app, app.Urls.First().TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static bool IsConsoleCallback(string? redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.IsLoopback && uri.AbsolutePath == "/signin/oidc/callback";

    /// <summary>Shows the provider's login form, or, with the right password posted, issues the code.</summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        string? error = null;
        if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync();
            var name = form["login_name"].ToString();
            if (People.TryGetValue(name, out var groups) && form["login_password"] == Password)
            {
                var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
                identity.AddClaim(new Claim(Claims.Subject, $"subject-of-{name}"));
                identity.AddClaim(new Claim(Claims.PreferredUsername, name));
                identity.AddClaim(new Claim(Claims.Name, name));
                foreach (var group in groups)
                {
                    identity.AddClaim(new Claim("groups", group));
                }

                var principal = new ClaimsPrincipal(identity);
                principal.SetScopes(request.GetScopes());
                principal.SetDestinations(_ => [Destinations.IdentityToken, Destinations.AccessToken]);
                return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            }

            error = "Wrong name or password.";
        }

        return Results.Content(LoginPage(request, error), "text/html");
    }

    private static string LoginPage(OpenIddictRequest request, string? error)
    {
        var html = new StringBuilder("<!DOCTYPE html><html><head><title>Test IdP</title></head><body><h1>Test IdP</h1>");
        if (error is not null)
        {
            html.Append("<p id=\"idp-error\">").Append(WebUtility.HtmlEncode(error)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"/connect/authorize\">");
        foreach (var (name, value) in request.GetParameters())
        {
            if (name is "login_name" or "login_password")
            {
                continue;
            }

            html.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(name))
                .Append("\" value=\"").Append(WebUtility.HtmlEncode((string?)value)).Append("\" />");
        }

        html.Append("<label>Name <input id=\"idp-name\" name=\"login_name\" /></label>")
            .Append("<label>Password <input id=\"idp-password\" name=\"login_password\" type=\"password\" /></label>")
            .Append("<button id=\"idp-submit\" type=\"submit\">Log in</button></form></body></html>");
        return html.ToString();
    }
}

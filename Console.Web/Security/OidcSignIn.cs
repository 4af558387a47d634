using System.Security.Claims;
using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Console.Web.Security;

/// <summary>
/// Sign-in with the team's identity provider (authorization code with PKCE), beside local users.
/// The provider's ID token is only read here: its groups choose the role, its subject finds or
/// makes the console user, and from then on the person holds the same cookie as a local user
/// (security stamp, revocation, audit). The provider's own session is not ended by signing out.
/// </summary>
public static partial class OidcSignIn
{
    public const string Scheme = OpenIdConnectDefaults.AuthenticationScheme;
    public const string ChallengePath = SecurityPaths.SignIn + "/oidc";
    public const string CallbackPath = SecurityPaths.SignIn + "/oidc/callback";

    /// <summary>Error codes the sign-in page turns into messages (never the provider's own text, which an attacker can choose).</summary>
    public static class Errors
    {
        public const string NoRole = "oidc-no-role";
        public const string Conflict = "oidc-conflict";
        public const string Failed = "oidc-failed";
    }

    public static WebApplicationBuilder AddConsoleOidc(this WebApplicationBuilder builder, AuthenticationBuilder authentication)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(authentication);
        builder.Services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OidcOptions>, OidcOptionsValidator>());

        // The scheme exists only when configured, so nothing can start a flow against no provider.
        if (builder.Configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() is not { Enabled: true })
        {
            return builder;
        }

        // People sign in through the provider, possibly before any local user exists: never run open.
        builder.Services.PostConfigure<SecurityOptions>(o => o.RequireAuth = true);
        authentication.AddOpenIdConnect(Scheme, "identity provider", _ => { });
        builder.Services.AddOptions<OpenIdConnectOptions>(Scheme).Configure<IOptions<OidcOptions>>((o, configured) => Configure(o, configured.Value));
        return builder;
    }

    public static IEndpointRouteBuilder MapOidcSignIn(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(ChallengePath, Challenge).ExcludeFromDescription().RequireRateLimiting(RateLimits.SignIn);
        return app;
    }

    public static async Task<IResult> Challenge(string? returnUrl, HttpContext http, IOptions<OidcOptions> options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        if (!options.Value.Enabled)
        {
            return Results.NotFound();
        }

        try
        {
            await http.ChallengeAsync(Scheme, new AuthenticationProperties { RedirectUri = SignInEndpoints.LocalOrHome(returnUrl) });
            return Results.Empty;
        }
        catch (InvalidOperationException ex)
        {
            // The provider's discovery document could not be fetched (down, unreachable, not a provider).
            LogFailed(loggers.CreateLogger(typeof(OidcSignIn)), ex.Message);
            return Results.Redirect($"{SecurityPaths.SignIn}?error={Errors.Failed}");
        }
    }

    /// <summary>What the sign-in page says for an error code from a failed provider sign-in; null for anything else.</summary>
    public static string? Message(string? error, string provider) => error switch
    {
        Errors.NoRole => $"{provider} signed you in, but none of your groups is given a role in this console. Ask an admin to map one of your groups.",
        Errors.Conflict => $"A console user with your name already signs in with a password. Ask an admin.",
        Errors.Failed => $"Signing in with {provider} did not work. Try again, or ask an admin to look at the console's log.",
        _ => null,
    };

    private static void Configure(OpenIdConnectOptions o, OidcOptions configured)
    {
        o.SignInScheme = SecuritySetup.CookieScheme;
        o.Authority = configured.Authority;
        o.ClientId = configured.ClientId;
        o.ClientSecret = string.IsNullOrEmpty(configured.ClientSecret) ? null : configured.ClientSecret;
        o.RequireHttpsMetadata = configured.RequireHttpsMetadata;
        o.ResponseType = OpenIdConnectResponseType.Code;
        o.UsePkce = true;
        // A redirect back (GET) rather than a cross-site form post: the correlation and nonce
        // cookies can then stay SameSite=Lax, which browsers keep on plain http too.
        o.ResponseMode = OpenIdConnectResponseMode.Query;
        o.CorrelationCookie.SameSite = SameSiteMode.Lax;
        o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.NonceCookie.SameSite = SameSiteMode.Lax;
        o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.CallbackPath = CallbackPath;
        o.MapInboundClaims = false;
        o.SaveTokens = false;
        o.Scope.Clear();
        o.Scope.Add("openid");
        foreach (var scope in configured.Scopes.Count > 0 ? configured.Scopes : ["profile", "email"])
        {
            if (!o.Scope.Contains(scope))
            {
                o.Scope.Add(scope);
            }
        }

        o.Events.OnTokenValidated = TokenValidatedAsync;
        o.Events.OnRemoteFailure = RemoteFailureAsync;
    }

    private static async Task TokenValidatedAsync(TokenValidatedContext context)
    {
        var services = context.HttpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<OidcOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn));
        var external = context.Principal!;
        var subject = external.FindFirstValue("sub");
        // The token's issuer, as validated against the discovery document.
        var issuer = external.FindFirstValue("iss") ?? external.FindFirst("sub")?.Issuer;
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(issuer))
        {
            context.Fail(Errors.Failed);
            return;
        }

        var userName = external.FindFirstValue(options.UserNameClaim);
        if (options.RoleFor(external.FindAll(options.GroupClaim).Select(c => c.Value)) is not { } role)
        {
            LogNoRole(logger, userName ?? "(no name)", options.GroupClaim);
            context.Fail(Errors.NoRole);
            return;
        }

        var address = context.HttpContext.Connection.RemoteIpAddress?.ToString();
        ConsoleUser user;
        // The provider vouches for this person: the row is written as the server, named after the provider.
        using (ActingActor.Use(new Actor(ActorKind.System, $"sign-in with {options.DisplayName}", Roles.Admin, null, address)))
        {
            try
            {
                user = await services.GetRequiredService<UserService>().SignInExternalAsync(new ExternalIdentity(issuer, subject, userName, role), context.HttpContext.RequestAborted);
            }
            catch (ConsoleException ex)
            {
                LogRefused(logger, userName ?? "(no name)", ex.Message);
                context.Fail(ex is ConflictException ? Errors.Conflict : Errors.Failed);
                return;
            }
        }

        var principal = ConsoleClaims.ForUser(user, SecuritySetup.CookieScheme);
        context.Principal = principal;
        await services.GetRequiredService<UserService>().RecordSignInAsync(user, context.HttpContext.RequestAborted);
        await services.GetRequiredService<AuditService>().RecordAsync("sign-in", "user", user.UserName, ConsoleClaims.ActorOf(principal, address), context.HttpContext.RequestAborted);
    }

    private static Task RemoteFailureAsync(RemoteFailureContext context)
    {
        var message = context.Failure?.Message;
        var code = message is Errors.NoRole or Errors.Conflict ? message : Errors.Failed;
        if (code == Errors.Failed)
        {
            // The provider refused, or the response did not validate (state, nonce, signature, issuer).
            LogFailed(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn)), message ?? "unknown");
        }

        context.Response.Redirect($"{SecurityPaths.SignIn}?error={code}");
        context.HandleResponse();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused sign-in of {UserName} through the identity provider: no group in claim {Claim} maps to a role")]
    private static partial void LogNoRole(ILogger logger, string userName, string claim);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused sign-in of {UserName} through the identity provider: {Reason}")]
    private static partial void LogRefused(ILogger logger, string userName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in through the identity provider failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}

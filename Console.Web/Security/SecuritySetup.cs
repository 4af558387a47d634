using System.Threading.RateLimiting;
using Console.Core.Security;
using Console.Worker;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// Secure by default (docs/security.md): API keys (Bearer) and console sign-in (cookie) with the
/// roles admin, operator, viewer and pool-scoped worker keys; one policy for every endpoint, the
/// hub and /hangfire included; rate limits on sign-in and key management; an open console only on
/// loopback with no user or key yet, and a refusal to start on other addresses in that state.
/// </summary>
public static class SecuritySetup
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string ConsoleScheme = "Console";

    public static WebApplicationBuilder AddConsoleSecurity(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddSingleton<IActorAccessor, HttpActorAccessor>();
        services.AddConsoleSecurityCore();
        services.AddSingleton<ListenState>();
        services.AddSingleton<SecurityGate>();
        services.AddSingleton<EmbeddedWorkerCredential>();
        services.AddSingleton<RunTokens>();
        services.AddConsoleDataProtection(builder.Configuration);
        services.AddSingleton<CredentialConnections>();
        services.AddSingleton<CredentialConnectionFilter>();
        // A global filter: it sees the UI circuits' hub connections as well as the live hub's.
        services.AddSignalR(o => o.AddFilter<CredentialConnectionFilter>());
        services.AddHostedService<RevokedConnectionCloser>();

        var authentication = services.AddAuthentication(ConsoleScheme);
        authentication
            .AddPolicyScheme(ConsoleScheme, "Console key or sign-in", o => o.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.PresentedKey(context.Request) is null ? CookieScheme : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = ".console.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = SecurityPaths.SignIn;
                o.LogoutPath = SecurityPaths.SignOut;
                o.ReturnUrlParameter = "returnUrl";
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ValidateSignInAsync;
            });
        builder.AddConsoleOidc(authentication);
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IOptions<SecurityOptions>>((cookie, security) => cookie.ExpireTimeSpan = TimeSpan.FromMinutes(security.Value.SignInMinutes));

        var policy = new AuthorizationPolicyBuilder().AddRequirements(new ConsoleAccessRequirement()).Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(SecurityPolicies.Console, policy)
            .SetFallbackPolicy(policy);
        services.AddSingleton<IAuthorizationHandler, ConsoleAccessHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ConsoleAuthorizationResultHandler>();

        services.AddCascadingAuthenticationState();
        services.RemoveAll<AuthenticationStateProvider>();
        services.AddScoped<AuthenticationStateProvider, ConsoleAuthenticationStateProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, ActorCircuitHandler>());

        // Ahead of the host's handler, which would log an access refusal as an unhandled error.
        var first = services.TakeWhile(d => d.ServiceType != typeof(IExceptionHandler)).Count();
        services.Insert(first, ServiceDescriptor.Singleton<IExceptionHandler, AccessDeniedExceptionHandler>());

        services.AddRateLimiter(o =>
        {
            o.OnRejected = RejectAsync;
            o.AddPolicy(RateLimits.SignIn, context => PerClient(context, s => s.SignInPermitsPerMinute));
            o.AddPolicy(RateLimits.Admin, context => PerClient(context, s => s.AdminPermitsPerMinute));
        });

        // The embedded worker calls this server over loopback: give it the in-memory key unless it has one.
        services.AddOptions<WorkerOptions>().PostConfigure<EmbeddedWorkerCredential>((worker, credential) =>
        {
            if (string.IsNullOrEmpty(worker.ApiKey) && Uri.TryCreate(worker.ApiUrl, UriKind.Absolute, out var api) && SecurityGate.IsLoopbackHost(api.Host))
            {
                worker.ApiKey = credential.Key;
            }
        });
        return builder;
    }

    /// <summary>
    /// Adds authentication, authorization and rate limiting to the pipeline (before antiforgery).
    /// <c>--bootstrap-admin</c> and the listen check run before it, in Program.cs.
    /// </summary>
    public static WebApplication UseConsoleSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    private static async Task ValidateSignInAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is null || !await CredentialCheck.IsCurrentAsync(context.HttpContext.RequestServices, context.Principal, context.HttpContext.RequestAborted))
        {
            // Deleted user, signed out, or the password or role changed since this sign-in.
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
        }
    }

    private static RateLimitPartition<string> PerClient(HttpContext context, Func<SecurityOptions, int> permits)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
        var limit = permits(options);
        var window = TimeSpan.FromSeconds(options.RateLimitWindowSeconds);
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "local";
        return RateLimitPartition.GetFixedWindowLimiter($"{client}:{limit}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = window,
            QueueLimit = 0,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var context = rejected.HttpContext;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        var wait = "a minute";
        if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            var seconds = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.RetryAfter = seconds;
            wait = $"{seconds} s";
        }

        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too many requests",
            Detail = $"Too many attempts from this address; wait {wait} and try again.",
        };
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
        }
    }
}

public static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string Admin = "admin";
}

/// <summary>A write the database-side guard refused (a UI or API path the HTTP rules let through): 403.</summary>
internal sealed class AccessDeniedExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not AccessDeniedException denied)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status403Forbidden;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = denied.Message },
            Exception = exception,
        });
    }
}

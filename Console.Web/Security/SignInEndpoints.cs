using System.Security.Claims;
using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Core.Security;
using Console.Web.Components.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// Sign-in, sign-out and password change as plain server-rendered forms (a cookie can only be set
/// on a real HTTP response, never over the UI's circuit), each with an antiforgery token.
/// </summary>
public static partial class SignInEndpoints
{
    public static IEndpointRouteBuilder MapSignInEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(SecurityPaths.SignIn, SignInForm).ExcludeFromDescription();
        app.MapPost(SecurityPaths.SignIn, SignIn).ExcludeFromDescription().RequireRateLimiting(RateLimits.SignIn);
        app.MapGet(SecurityPaths.SignOut, SignOutForm).ExcludeFromDescription();
        app.MapPost(SecurityPaths.SignOut, SignOut).ExcludeFromDescription();
        app.MapGet(SecurityPaths.ChangePassword, PasswordForm).ExcludeFromDescription().RequireAuthorization(SecurityPolicies.Console);
        app.MapPost(SecurityPaths.ChangePassword, ChangePassword).ExcludeFromDescription()
            .RequireAuthorization(SecurityPolicies.Console).RequireRateLimiting(RateLimits.SignIn);
        return app;
    }

    public static async Task<RazorComponentResult<SignInPage>> SignInForm(
        string? returnUrl, bool? signedOut, string? error, HttpContext http, IAntiforgery antiforgery, SecurityGate gate, IOptions<OidcOptions> oidc)
    {
        ArgumentNullException.ThrowIfNull(oidc);
        var page = SignInPageResult(http, antiforgery, returnUrl, OidcSignIn.Message(error, oidc.Value.DisplayName), await gate.IsOpenAsync(http), signedOut == true);
        if (page.Parameters[nameof(SignInPage.Error)] is not null)
        {
            page.StatusCode = StatusCodes.Status401Unauthorized;
        }

        return page;
    }

    public static async Task<IResult> SignIn(
        [FromForm] SignInForm form, HttpContext http, IAntiforgery antiforgery, UserService users, AuditService audit, SecurityGate gate, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(http);
        var user = await users.VerifyAsync(form.UserName, form.Password, http.RequestAborted);
        if (user is null)
        {
            LogFailed(loggers.CreateLogger(typeof(SignInEndpoints)), UserService.NormalizeUserName(form.UserName) ?? "(invalid name)",
                http.Connection.RemoteIpAddress?.ToString() ?? "local");
            var page = SignInPageResult(http, antiforgery, form.ReturnUrl, "Unknown user name or wrong password.", await gate.IsOpenAsync(http), signedOut: false);
            page.StatusCode = StatusCodes.Status401Unauthorized;
            return page;
        }

        var principal = ConsoleClaims.ForUser(user, SecuritySetup.CookieScheme);
        await http.SignInAsync(SecuritySetup.CookieScheme, principal);
        await users.RecordSignInAsync(user, http.RequestAborted);
        await audit.RecordAsync("sign-in", "user", user.UserName, ConsoleClaims.ActorOf(principal, http.Connection.RemoteIpAddress?.ToString()), http.RequestAborted);
        var target = LocalOrHome(form.ReturnUrl);
        return Results.Redirect(user.MustChangePassword ? $"{SecurityPaths.ChangePassword}?returnUrl={Uri.EscapeDataString(target)}" : target);
    }

    public static RazorComponentResult<SignOutPage> SignOutForm(HttpContext http, IAntiforgery antiforgery)
    {
        ArgumentNullException.ThrowIfNull(antiforgery);
        var tokens = antiforgery.GetAndStoreTokens(http);
        return new RazorComponentResult<SignOutPage>(new Dictionary<string, object?>
        {
            [nameof(SignOutPage.TokenName)] = tokens.FormFieldName,
            [nameof(SignOutPage.Token)] = tokens.RequestToken,
            [nameof(SignOutPage.UserName)] = http?.User.Identity?.Name,
        });
    }

    public static async Task<RedirectHttpResult> SignOut([FromForm] SignOutForm form, HttpContext http, UserService users)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(users);
        // Server-side too: deleting the cookie alone would leave a copy of it working.
        if (http.User.FindFirstValue(ConsoleClaims.Kind) == ConsoleClaims.UserKind && Guid.TryParse(http.User.FindFirstValue(ConsoleClaims.Id), out var id))
        {
            await users.EndSignInsAsync(id, http.RequestAborted);
        }

        await http.SignOutAsync(SecuritySetup.CookieScheme);
        return TypedResults.Redirect($"{SecurityPaths.SignIn}?signedOut=true");
    }

    public static RazorComponentResult<ChangePasswordPage> PasswordForm(string? returnUrl, HttpContext http, IAntiforgery antiforgery) =>
        PasswordPageResult(http, antiforgery, returnUrl, error: null);

    public static async Task<IResult> ChangePassword([FromForm] ChangePasswordForm form, HttpContext http, IAntiforgery antiforgery, UserService users)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(http);
        string? error = null;
        if (form.NewPassword != form.ConfirmPassword)
        {
            error = "The two new passwords differ.";
        }
        else
        {
            try
            {
                await users.ChangePasswordAsync(http.User.Identity!.Name!,
                    new ChangePasswordRequest { CurrentPassword = form.CurrentPassword, NewPassword = form.NewPassword }, http.RequestAborted);
            }
            catch (InvalidRequestException ex)
            {
                error = ex.Message;
            }
        }

        if (error is not null)
        {
            var page = PasswordPageResult(http, antiforgery, form.ReturnUrl, error);
            page.StatusCode = StatusCodes.Status400BadRequest;
            return page;
        }

        await RefreshSignInAsync(http, users, http.RequestAborted);
        return Results.Redirect(LocalOrHome(form.ReturnUrl));
    }

    /// <summary>Signs the user in again with their current stamp (after a password change).</summary>
    public static async Task RefreshSignInAsync(HttpContext http, UserService users, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(users);
        if (await users.FindAsync(http.User.Identity?.Name ?? string.Empty, ct) is { } user)
        {
            await http.SignInAsync(SecuritySetup.CookieScheme, ConsoleClaims.ForUser(user, SecuritySetup.CookieScheme));
        }
    }

    /// <summary>Only a path on this site; anything else (another host, '//host', '/\host') goes home.</summary>
    public static string LocalOrHome(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
            && !url.StartsWith(SecurityPaths.SignIn, StringComparison.OrdinalIgnoreCase) ? url : "/";

    private static RazorComponentResult<SignInPage> SignInPageResult(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? error, bool open, bool signedOut)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var oidc = http.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value;
        return new RazorComponentResult<SignInPage>(new Dictionary<string, object?>
        {
            [nameof(SignInPage.TokenName)] = tokens.FormFieldName,
            [nameof(SignInPage.Token)] = tokens.RequestToken,
            [nameof(SignInPage.ReturnUrl)] = LocalOrHome(returnUrl),
            [nameof(SignInPage.Error)] = error,
            [nameof(SignInPage.Open)] = open,
            [nameof(SignInPage.SignedOut)] = signedOut,
            [nameof(SignInPage.Provider)] = oidc.Enabled ? oidc.DisplayName : null,
        });
    }

    private static RazorComponentResult<ChangePasswordPage> PasswordPageResult(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? error)
    {
        ArgumentNullException.ThrowIfNull(antiforgery);
        var tokens = antiforgery.GetAndStoreTokens(http);
        return new RazorComponentResult<ChangePasswordPage>(new Dictionary<string, object?>
        {
            [nameof(ChangePasswordPage.TokenName)] = tokens.FormFieldName,
            [nameof(ChangePasswordPage.Token)] = tokens.RequestToken,
            [nameof(ChangePasswordPage.ReturnUrl)] = LocalOrHome(returnUrl),
            [nameof(ChangePasswordPage.Error)] = error,
            [nameof(ChangePasswordPage.UserName)] = http.User.Identity?.Name,
            [nameof(ChangePasswordPage.OneTime)] = http.User.HasClaim(c => c.Type == ConsoleClaims.MustChangePassword),
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed sign-in for {UserName} from {Address}")]
    private static partial void LogFailed(ILogger logger, string userName, string address);
}

public sealed class SignInForm
{
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string? ReturnUrl { get; set; }
}

public sealed class SignOutForm
{
    public string? Confirm { get; set; }
}

public sealed class ChangePasswordForm
{
    public string? CurrentPassword { get; set; }
    public string? NewPassword { get; set; }
    public string? ConfirmPassword { get; set; }
    public string? ReturnUrl { get; set; }
}

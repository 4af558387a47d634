using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;

namespace Console.Web.Security;

public static class SecurityPolicies
{
    /// <summary>The one policy: every endpoint goes through <see cref="AccessRules"/> (also the fallback).</summary>
    public const string Console = "console";
}

/// <summary>Marks the console policy; the decision is <see cref="ConsoleAccessHandler"/>'s.</summary>
public sealed class ConsoleAccessRequirement : IAuthorizationRequirement;

/// <summary>Public paths pass; a bad key fails even when open; an open console lets local callers through; else <see cref="AccessRules"/>.</summary>
internal sealed class ConsoleAccessHandler(SecurityGate gate) : AuthorizationHandler<ConsoleAccessRequirement>
{
    /// <summary>Why access was refused; a challenge result carries no reasons of its own.</summary>
    public const string RefusalItem = "console:access-refusal";

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ConsoleAccessRequirement requirement)
    {
        if (context.Resource is not HttpContext http)
        {
            // Outside a request (a component asking about a policy): roles alone decide.
            if (Contracts.Security.Roles.MayRead(ConsoleClaims.RoleOf(context.User)))
            {
                context.Succeed(requirement);
            }

            return;
        }

        if (SecurityPaths.IsPublic(http.Request.Path) || http.GetEndpoint() is not { } endpoint
            || endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor>() is not null)
        {
            // Static files (no endpoint, or a mapped static asset), and 404s with nothing behind them.
            context.Succeed(requirement);
            return;
        }

        if (http.Items[ApiKeyAuthenticationHandler.FailureItem] is string failure)
        {
            Fail(context, http, failure);
            return;
        }

        if (!ConsoleClaims.IsAuthenticated(context.User))
        {
            if (await gate.IsOpenAsync(http))
            {
                context.Succeed(requirement);
            }
            else
            {
                Fail(context, http, "Sign in, or send 'Authorization: Bearer <API key>' (an admin creates keys at /security/keys or with POST /api/keys).");
            }

            return;
        }

        if (await AccessRules.RefusalAsync(http, context.User) is { } refusal)
        {
            Fail(context, http, refusal);
        }
        else
        {
            context.Succeed(requirement);
        }
    }

    private void Fail(AuthorizationHandlerContext context, HttpContext http, string reason)
    {
        http.Items[RefusalItem] = reason;
        context.Fail(new AuthorizationFailureReason(this, reason));
    }
}

/// <summary>
/// Failed authorization answers: problem details (401 with <c>WWW-Authenticate: Bearer</c>, or 403)
/// for the API, the hub and other machine paths; the sign-in page for people.
/// </summary>
internal sealed class ConsoleAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

        var reason = context.Items[ConsoleAccessHandler.RefusalItem] as string
            ?? authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message;
        var unauthenticated = !ConsoleClaims.IsAuthenticated(context.User);
        var person = HttpMethods.IsGet(context.Request.Method) && !SecurityPaths.IsMachinePath(context.Request.Path);
        if (person && unauthenticated)
        {
            await context.ChallengeAsync(SecuritySetup.CookieScheme);
            return;
        }

        if (person && context.User.HasClaim(c => c.Type == ConsoleClaims.MustChangePassword))
        {
            context.Response.Redirect($"{SecurityPaths.ChangePassword}?returnUrl={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
            return;
        }

        var status = unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        context.Response.StatusCode = status;
        if (unauthenticated)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        var problem = new ProblemDetails { Status = status, Title = unauthenticated ? "Unauthorized" : "Forbidden", Detail = reason };
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            // A client that accepts no JSON still gets the problem, as the API's contract says.
            await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
        }
    }
}

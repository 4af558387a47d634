using System.Text.Encodings.Web;
using Console.Contracts.Security;
using Console.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> (and <c>?access_token=</c> on the live hub, where browsers
/// cannot set headers on WebSockets). A key that is present but unknown, revoked or expired fails
/// authentication, so the caller gets 401 even on an open console. A console key is looked up in a
/// scope of its own: the request does not keep a database context for its whole length (a worker's
/// long-poll lasts up to 30 s, and a fleet's waiting polls each held one).
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder,
    IServiceScopeFactory scopes, EmbeddedWorkerCredential embedded, RunTokens runTokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string FailureMessage = "The API key is not valid: unknown, revoked or expired.";
    public const string FailureItem = "console:authentication-failure";

    public static string? PresentedKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Path.StartsWithSegments(SecurityPaths.Hub) && request.Query["access_token"].ToString() is { Length: > 0 } token
            ? token
            : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { } presented)
        {
            return AuthenticateResult.NoResult();
        }

        if (embedded.Matches(presented))
        {
            return AuthenticateResult.Success(new AuthenticationTicket(ConsoleClaims.ForEmbeddedWorker(SchemeName), SchemeName));
        }

        if (presented.StartsWith(RunTokens.Prefix, StringComparison.Ordinal) && runTokens.RunOf(presented) is { } runId)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(ConsoleClaims.ForRun(runId, SchemeName), SchemeName));
        }

        ApiKey? key;
        await using (var scope = scopes.CreateAsyncScope())
        {
            key = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().AuthenticateAsync(presented, Context.RequestAborted);
        }

        if (key is null)
        {
            // The prefix only: enough to find which key a client holds, useless to anyone reading the log.
            var prefix = ApiKeySecrets.PrefixOf(presented) ?? "(not a console key)";
            var path = Request.Path.Value ?? string.Empty;
            LogRejected(Logger, prefix, path);
            // The middleware keeps only successful results: note the failure for the access rules.
            Context.Items[FailureItem] = FailureMessage;
            return AuthenticateResult.Fail(FailureMessage);
        }

        return AuthenticateResult.Success(new AuthenticationTicket(ConsoleClaims.ForKey(key, SchemeName), SchemeName));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused API key {Prefix} on {Path}")]
    private static partial void LogRejected(ILogger logger, string prefix, string path);
}

using System.Globalization;
using System.Security.Cryptography;
using Console.Contracts;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// Tokens a worker hands to the runs it starts instead of its own key: <c>cxr_</c> plus the run's id
/// and an expiry, sealed with the console's data-protection keys (shared by every replica), so no
/// row is stored. A token is refused after its expiry and, by the access rules, once its run ended.
/// </summary>
public sealed class RunTokens(IDataProtectionProvider protection, IOptions<SecurityOptions> options, TimeProvider time)
{
    public const string Prefix = "cxr_";

    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("Console.Web.Security.RunTokens.v1").ToTimeLimitedDataProtector();

    public RunTokenDto Issue(Guid runId)
    {
        var expiresAt = time.GetUtcNow().AddMinutes(options.Value.RunTokenMinutes);
        var sealedId = _protector.Protect(runId.ToString("N", CultureInfo.InvariantCulture), expiresAt);
        return new RunTokenDto(Prefix + sealedId, expiresAt.UtcDateTime);
    }

    /// <returns>The run the token was issued for, or null when it is not a valid, unexpired run token.</returns>
    public Guid? RunOf(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var text = _protector.Unprotect(presented[Prefix.Length..], out _);
            return Guid.TryParseExact(text, "N", out var id) ? id : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

using System.Security.Cryptography;
using Console.Contracts.Automations;
using Microsoft.AspNetCore.DataProtection;

namespace Console.Core.Automations;

/// <summary>
/// Encrypts webhook secrets at rest with ASP.NET Core Data Protection under a purpose of their own
/// (the key ring is the one the secrets store uses). A stored secret carries <see cref="Prefix"/>;
/// one without it was written before secrets were encrypted and is encrypted when its automation is
/// next saved. The clear secret exists only while a delivery is signed.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    public const string Purpose = "Console.Automations.WebhookSecrets.v1";

    /// <summary>Data Protection's payload is base64url, so no secret it wrote starts with anything else.</summary>
    private const string Prefix = "dp1:";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    /// <summary>
    /// The actions as they are stored: a secret given in <paramref name="incoming"/> is encrypted; a
    /// webhook sent back without one (answers never carry it) keeps the one stored at its position for
    /// the same URL, unless it says <c>hasSecret: false</c>.
    /// </summary>
    public List<AutomationAction> ToStored(IReadOnlyList<AutomationAction> incoming, IReadOnlyList<AutomationAction> stored)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        ArgumentNullException.ThrowIfNull(stored);
        return [.. incoming.Select((a, i) => a with
        {
            HasSecret = null,
            Secret = a switch
            {
                { Type: ActionTypes.Webhook, Secret: { } secret } => Prefix + _protector.Protect(secret),
                { Type: ActionTypes.Webhook, Secret: null } when i < stored.Count && a.HasSecret != false
                    && stored[i] is { Type: ActionTypes.Webhook, Secret: { } old } && stored[i].Url == a.Url => Keep(old),
                _ => a.Secret,
            },
        })];
    }

    /// <summary>The stored actions rewritten with every secret encrypted (nothing changes but older clear ones).</summary>
    public List<AutomationAction> Reseal(IReadOnlyList<AutomationAction> stored) => ToStored(
        [.. stored.Select(a => a with { Secret = null })], stored);

    /// <summary>The clear secret to sign a delivery with, or an error that says the key ring is not the one it was stored with.</summary>
    public string Unprotect(string stored, string automation)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return stored;
        }

        try
        {
            return _protector.Unprotect(stored[Prefix.Length..]);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"The webhook secret of the automation '{automation}' cannot be decrypted: the data protection keys are not the ones it was stored with (Security:KeysDirectory must be the same folder on every replica and survive restarts). Set the secret again.",
                ex);
        }
    }

    private string Keep(string old) => old.StartsWith(Prefix, StringComparison.Ordinal) ? old : Prefix + _protector.Protect(old);
}

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
    /// The actions as they are stored. Each gets an id (kept when it is sent back). A secret given in
    /// <paramref name="incoming"/> is encrypted; a webhook sent back without one (answers never carry
    /// it) keeps the stored one of the same action unless it says <c>hasSecret: false</c>, and a header
    /// sent back as <see cref="AutomationAction.RedactedHeader"/> keeps its stored value. The same
    /// action is the stored one with its id, or, for a client that sends no ids, the one at its
    /// position with the same URL.
    /// </summary>
    public List<AutomationAction> ToStored(IReadOnlyList<AutomationAction> incoming, IReadOnlyList<AutomationAction> stored)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        ArgumentNullException.ThrowIfNull(stored);
        var used = new HashSet<string>(StringComparer.Ordinal);
        return [.. incoming.Select((a, i) =>
        {
            var before = Previous(a, i, stored, used);
            var id = before?.Id is { } kept && used.Add(kept) ? kept : NewId(used);
            return a with
            {
                Id = id,
                HasSecret = null,
                Secret = a switch
                {
                    { Type: ActionTypes.Webhook, Secret: { } secret } => Prefix + _protector.Protect(secret),
                    { Type: ActionTypes.Webhook, Secret: null } when a.HasSecret != false && before is { Secret: { } old } => Keep(old),
                    _ => a.Secret,
                },
                Headers = a.Type == ActionTypes.Webhook ? Headers(a.Headers, before?.Headers, i) : a.Headers,
            };
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

    private static AutomationAction? Previous(AutomationAction a, int index, IReadOnlyList<AutomationAction> stored, HashSet<string> used)
    {
        if (a.Type != ActionTypes.Webhook)
        {
            return a.Id is null ? null : stored.FirstOrDefault(s => s.Id == a.Id && !used.Contains(a.Id));
        }

        if (a.Id is not null)
        {
            return stored.FirstOrDefault(s => s.Id == a.Id && s.Type == ActionTypes.Webhook && !used.Contains(a.Id));
        }

        return index < stored.Count && stored[index] is { Type: ActionTypes.Webhook } at && at.Url == a.Url && (at.Id is null || !used.Contains(at.Id)) ? at : null;
    }

    private static Dictionary<string, string>? Headers(IReadOnlyDictionary<string, string>? incoming, IReadOnlyDictionary<string, string>? stored, int index)
    {
        if (incoming is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in incoming)
        {
            if (value != AutomationAction.RedactedHeader)
            {
                result[name] = value;
                continue;
            }

            var old = stored?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
            result[name] = old ?? throw new Contracts.Common.InvalidRequestException($"actions[{index}].headers",
                $"The header '{name}' is sent as '{AutomationAction.RedactedHeader}' (keep the stored value) but this action has no stored value for it: give its value.");
        }

        return result;
    }

    private static string NewId(HashSet<string> used)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        used.Add(id);
        return id;
    }

    private string Keep(string old) => old.StartsWith(Prefix, StringComparison.Ordinal) ? old : Prefix + _protector.Protect(old);
}

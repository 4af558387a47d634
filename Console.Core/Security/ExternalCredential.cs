using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Console.Core.Security;

/// <summary>Who the identity provider says signed in: its issuer and subject, a name, and the mapped role.</summary>
public sealed record ExternalIdentity(string Issuer, string Subject, string? UserName, string Role);

/// <summary>
/// A person who signs in through the identity provider has no password here: their row's password
/// field holds <c>oidc$&lt;SHA-256 of issuer and subject&gt;</c> instead. That links the row to one
/// provider account (found by it, never by name) and can never match a password, because password
/// hashes have another form.
/// </summary>
public static class ExternalCredential
{
    private const string Prefix = "oidc$";

    public static string For(string issuer, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return Prefix + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($"{issuer}\n{subject}")));
    }

    public static bool IsExternal(string? stored) => stored?.StartsWith(Prefix, StringComparison.Ordinal) == true;
}

using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Console.Core.Secrets;

/// <summary>
/// Encrypts secret values at rest with ASP.NET Core Data Protection under a purpose of their own,
/// so a sign-in cookie's protector can never open a secret, nor the other way round. The key ring
/// is the host's (the data folder by default; shared by replicas through <c>Security:KeysDirectory</c>).
/// </summary>
public sealed class SecretCipher(IDataProtectionProvider provider)
{
    public const string Purpose = "Console.Secrets.v1";

    private readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    public string Protect(string value) => _protector.Protect(value);

    /// <summary>The value, or an error that says the key ring is not the one the secret was written with.</summary>
    public string Unprotect(string protectedValue, string name)
    {
        try
        {
            return _protector.Unprotect(protectedValue);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"The secret '{name}' cannot be decrypted: the data protection keys are not the ones it was stored with (Security:KeysDirectory must be the same folder on every replica and survive restarts). Set its value again.",
                ex);
        }
    }
}

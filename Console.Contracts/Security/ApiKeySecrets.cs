using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Console.Contracts.Security;

/// <summary>
/// Keys look like <c>cx_ab12cd34_&lt;43 chars&gt;</c>: a visible prefix (4 random bytes) that finds
/// the row, then 32 random bytes. 256 bits need no slow hash: a SHA-256 at rest is enough, and
/// comparing it in constant time leaks nothing about the stored value.
/// </summary>
public static class ApiKeySecrets
{
    public const string Scheme = "cx";

    public static (string Key, string Prefix, string Hash) Create()
    {
        var prefix = $"{Scheme}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var key = $"{prefix}_{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32))}";
        return (key, prefix, Hash(key));
    }

    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>The prefix of something that looks like one of our keys, else null.</summary>
    public static string? PrefixOf(string? presented)
    {
        if (presented is null || presented.Length is < 20 or > 200 || !presented.StartsWith(Scheme + "_", StringComparison.Ordinal))
        {
            return null;
        }

        var prefix = presented[..11];
        return presented.Length > 12 && presented[11] == '_' && prefix[3..].All(char.IsAsciiHexDigitLower) ? prefix : null;
    }

    public static bool Matches(string presented, string storedHash)
    {
        ArgumentNullException.ThrowIfNull(presented);
        ArgumentNullException.ThrowIfNull(storedHash);
        Span<byte> stored = stackalloc byte[32];
        if (!Convert.FromHexString(storedHash, stored, out _, out var written).Equals(System.Buffers.OperationStatus.Done) || written != 32)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), stored);
    }
}

using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Console.Core.Security;

/// <summary>
/// Passwords are people's secrets, often weak and reused: stored as PBKDF2-HMAC-SHA512 with a
/// random salt and OWASP's iteration count, as <c>pbkdf2-sha512$iterations$salt$hash</c>.
/// </summary>
public static class PasswordHashing
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 256;
    private const string Algorithm = "pbkdf2-sha512";
    private const int Iterations = 210_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, Iterations);
        return string.Join('$', Algorithm, Iterations.ToString(CultureInfo.InvariantCulture), Base64Url.EncodeToString(salt), Base64Url.EncodeToString(hash));
    }

    public static bool Verify(string password, string stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations is < 1 or > 10_000_000)
        {
            return false;
        }

        try
        {
            var salt = Base64Url.DecodeFromChars(parts[2]);
            var expected = Base64Url.DecodeFromChars(parts[3]);
            return CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations, expected.Length), expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Spends the same time as a real check, so a missing user name is not told apart by timing.</summary>
    public static void VerifyNothing(string password) => Derive(password ?? string.Empty, new byte[SaltBytes], Iterations);

    /// <summary>A one-time password: 120 random bits, readable, without look-alike characters lost.</summary>
    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(15));

    /// <summary>The rule for passwords people choose; null when it is fine.</summary>
    public static string? Problem(string? password) => password switch
    {
        null or "" => "A password is required.",
        { Length: < MinimumLength } => $"Use at least {MinimumLength} characters.",
        { Length: > MaximumLength } => $"Use at most {MaximumLength} characters.",
        _ when string.IsNullOrWhiteSpace(password) => "The password cannot be only spaces.",
        _ => null,
    };

    private static byte[] Derive(string password, byte[] salt, int iterations, int length = HashBytes) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, length);
}

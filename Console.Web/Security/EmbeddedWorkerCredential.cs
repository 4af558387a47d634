using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Console.Web.Security;

/// <summary>
/// The embedded worker talks to its own server over loopback REST like any worker (docs/architecture.md).
/// Once auth is on it needs a key: this one is drawn at start, lives only in this process's memory,
/// and dies with it; nobody has to create or rotate it.
/// </summary>
public sealed class EmbeddedWorkerCredential
{
    private readonly byte[] _hash;

    public EmbeddedWorkerCredential()
    {
        Key = "cxe_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        _hash = SHA256.HashData(Encoding.UTF8.GetBytes(Key));
    }

    public string Key { get; }

    public bool Matches(string presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _hash);
}

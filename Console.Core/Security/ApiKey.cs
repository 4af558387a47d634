namespace Console.Core.Security;

/// <summary>
/// An API key as stored: never the secret itself, only its SHA-256 and a visible prefix
/// (<c>cx_ab12cd34</c>) that finds the row and lets people tell keys apart.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }

    /// <summary>The key's public part, unique: <c>cx_</c> and 8 hex digits.</summary>
    public required string Prefix { get; set; }

    /// <summary>Lowercase hex SHA-256 of the whole key.</summary>
    public required string SecretHash { get; set; }

    public required string Role { get; set; }

    /// <summary>JSON array of pool names; only worker keys have any.</summary>
    public string Pools { get; set; } = "[]";

    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
    public DateTime? LastUsedAt { get; set; }

    public bool IsActive(DateTime now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

namespace Console.Core.Secrets;

/// <summary>
/// A named credential runs use (docs/security.md): its value is stored only encrypted with ASP.NET
/// Core Data Protection (<see cref="SecretCipher"/>), and leaves the server only in the claim
/// answer of a worker allowed on the run's pool.
/// </summary>
public sealed class Secret
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public string? Description { get; set; }

    /// <summary>The value as Data Protection's protected payload; never the value itself.</summary>
    public required string ProtectedValue { get; set; }

    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

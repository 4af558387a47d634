namespace Console.Core.Security;

/// <summary>A person who signs in to the console; the password is stored as a PBKDF2 hash only.</summary>
public sealed class ConsoleUser
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string UserName { get; set; }
    public required string PasswordHash { get; set; }
    public required string Role { get; set; }

    /// <summary>Changes with the password or role, so sign-ins made before stop working.</summary>
    public string SecurityStamp { get; set; } = Guid.NewGuid().ToString("N");

    /// <summary>Set for generated (one-time) passwords: the user must choose their own first.</summary>
    public bool MustChangePassword { get; set; }

    public string? CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastSignInAt { get; set; }
    public DateTime? PasswordChangedAt { get; set; }
}

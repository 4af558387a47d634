namespace Console.Contracts.Security;

/// <summary>A secret as every answer shows it: never its value.</summary>
public sealed record SecretDto
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

public sealed record CreateSecretRequest
{
    public string? Name { get; init; }
    public string? Value { get; init; }
    public string? Description { get; init; }
}

public sealed record UpdateSecretRequest
{
    public string? Value { get; init; }
    public Optional<string?> Description { get; init; }
}

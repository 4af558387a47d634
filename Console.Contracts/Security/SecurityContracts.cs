using System.Text.Json.Nodes;

namespace Console.Contracts.Security;

public enum ApiKeyStatus { Active, Expired, Revoked }

public record ApiKeyDto
{
    public Guid Id { get; init; }
    public required string Name { get; init; }

    /// <summary>The visible part of the key, e.g. <c>cx_ab12cd34</c>; the secret is shown once, at creation.</summary>
    public required string Prefix { get; init; }

    public required string Role { get; init; }
    public List<string> Pools { get; init; } = [];
    public ApiKeyStatus Status { get; init; }
    public string? CreatedBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    public string? RevokedBy { get; init; }
    public DateTime? LastUsedAt { get; init; }
}

/// <summary>The answer to creating a key: the only time the whole key is ever shown.</summary>
public sealed record CreatedApiKeyDto : ApiKeyDto
{
    public required string Key { get; init; }
}

public sealed record CreateApiKeyRequest
{
    public string? Name { get; init; }

    /// <summary>admin, operator, viewer or worker.</summary>
    public string? Role { get; init; }

    /// <summary>The pools a worker key serves (required for worker keys, refused for others).</summary>
    public List<string>? Pools { get; init; }

    public DateTime? ExpiresAt { get; init; }

    /// <summary>Shorthand for <see cref="ExpiresAt"/>: this many days from now.</summary>
    public int? ExpiresInDays { get; init; }
}

public sealed record UserDto
{
    public Guid Id { get; init; }
    public required string UserName { get; init; }
    public required string Role { get; init; }
    public bool MustChangePassword { get; init; }
    public string? CreatedBy { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? LastSignInAt { get; init; }
}

/// <summary>A new user, with the generated one-time password when none was given (shown once).</summary>
public sealed record CreatedUserDto
{
    public required UserDto User { get; init; }
    public string? OneTimePassword { get; init; }
}

public sealed record CreateUserRequest
{
    public string? UserName { get; init; }
    public string? Role { get; init; }

    /// <summary>Optional: without it a one-time password is generated and must be changed at first sign-in.</summary>
    public string? Password { get; init; }
}

public sealed record ChangePasswordRequest
{
    public string? CurrentPassword { get; init; }
    public string? NewPassword { get; init; }
}

public sealed record AuditEntryDto
{
    public long Id { get; init; }
    public DateTime At { get; init; }
    public required string Actor { get; init; }
    public required string ActorKind { get; init; }
    public string? ActorRole { get; init; }
    public required string Action { get; init; }
    public required string Resource { get; init; }
    public string? ResourceName { get; init; }
    public JsonObject Changes { get; init; } = [];
    public string? RemoteAddress { get; init; }
}

/// <summary>Who the caller is, as the server sees it (<c>GET /api/me</c>).</summary>
public sealed record WhoAmIDto
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public string? Role { get; init; }
    public List<string> Pools { get; init; } = [];

    /// <summary>False while the console runs open (loopback only, no users or keys yet).</summary>
    public bool AuthRequired { get; init; }
}

/// <summary>What <c>--bootstrap-admin</c> made: printed once, never stored in clear.</summary>
public sealed record BootstrapResult(string UserName, string OneTimePassword, string ApiKey, string ApiKeyPrefix);

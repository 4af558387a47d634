using Console.Contracts.Security;
using Console.Core.Security;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>The real app on real Kestrel loopback, with authentication required: for SignalR clients, /hangfire and signed-in browsers.</summary>
public sealed class SecureConsoleServer : ConsoleServer
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Security:RequireAuth"] = "true",
        ["Security:AdminPermitsPerMinute"] = "10000",
        ["Security:SignInPermitsPerMinute"] = "10000",
        // Open connections and circuits are re-checked this often (the shortest allowed).
        ["Security:RevalidateSeconds"] = "5",
    };

    public const string Password = "correct horse battery staple";

    /// <summary>A user of <paramref name="role"/> with <see cref="Password"/>, created as the server itself; returns the name.</summary>
    public async Task<string> UserAsync(string role)
    {
        var name = $"{role}-{Guid.NewGuid().ToString("N")[..8]}";
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync(new CreateUserRequest { UserName = name, Role = role, Password = Password });
        return name;
    }

    public async Task<string> KeyAsync(string role, params string[] pools)
    {
        await using var scope = Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(new CreateApiKeyRequest
        {
            Name = $"{role} key", Role = role, Pools = pools.Length > 0 ? [.. pools] : null,
        });
        return created.Key;
    }
}

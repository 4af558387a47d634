using Console.Contracts.Security;
using Console.Core.Security;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>The real app on real Kestrel loopback, with authentication required: for SignalR clients and /hangfire.</summary>
public sealed class SecureConsoleServer : ConsoleServer
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Security:RequireAuth"] = "true",
        ["Security:AdminPermitsPerMinute"] = "10000",
    };

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

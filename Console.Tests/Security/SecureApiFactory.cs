using Console.Contracts.Security;
using Console.Core.Security;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>The real app with authentication required (Security:RequireAuth) and rate limits out of the tests' way.</summary>
public class SecureApiFactory : ApiFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Security:RequireAuth"] = "true",
        ["Security:SignInPermitsPerMinute"] = "10000",
        ["Security:AdminPermitsPerMinute"] = "10000",
    };

    /// <summary>Creates a key straight through the service (as the server itself) and returns the secret.</summary>
    public async Task<string> KeyAsync(string role, params string[] pools)
    {
        await using var scope = Services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        var created = await keys.CreateAsync(new CreateApiKeyRequest
        {
            Name = $"{role} test key", Role = role, Pools = pools.Length > 0 ? [.. pools] : null,
        });
        return created.Key;
    }

    public HttpClient ClientWith(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        return client;
    }
}

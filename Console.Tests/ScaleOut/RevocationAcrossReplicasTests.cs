using System.Net;
using System.Net.Http.Headers;
using Console.Contracts.Security;
using Console.Core.Security;
using Console.Tests.Infrastructure;
using Console.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.ScaleOut;

/// <summary>A key revoked through replica A closes its live-hub stream held open on replica B (the revocation crosses Redis).</summary>
public sealed class RevocationAcrossReplicasTests(ReplicaPair replicas) : IClassFixture<ReplicaPair>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_key_revoked_on_one_replica_loses_its_hub_stream_on_the_other()
    {
        using var onA = replicas.A.CreateHttpClient();
        onA.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await AdminKeyAsync());
        var pool = await RevocationTests.CreatePoolAsync(onA);
        var key = await (await onA.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "dashboard on b", Role = Roles.Viewer })).ReadAsync<CreatedApiKeyDto>();
        await using var onB = await RevocationTests.HubAsync(replicas.B.BaseUrl, key.Key, pool);
        await RevocationTests.HeartbeatAsync(onA, pool, "seen-on-b");
        await onB.Received("seen-on-b").WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.NoContent, (await onA.DeleteAsync($"/api/keys/{key.Id}")).StatusCode);

        await onB.Closed.WaitAsync(RevocationTests.Within);
    }

    private async Task<string> AdminKeyAsync()
    {
        await using var scope = replicas.A.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(new CreateApiKeyRequest { Name = "admin", Role = Roles.Admin })).Key;
    }
}

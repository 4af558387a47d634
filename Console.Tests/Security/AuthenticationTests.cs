using System.Net;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>R6: requests without a key, with a wrong one, or with a worker key on another pool get 401/403 and write nothing.</summary>
public sealed class AuthenticationTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    public static TheoryData<string, string> Writes => new()
    {
        { "POST", "/api/work-pools" },
        { "PATCH", "/api/work-pools/{pool}" },
        { "DELETE", "/api/work-pools/{pool}" },
        { "POST", "/api/work-pools/{pool}/pause" },
        { "POST", "/api/work-pools/{pool}/queues" },
        { "POST", "/api/work-pools/{pool}/workers/heartbeat" },
        { "POST", "/api/work-pools/{pool}/poll" },
        { "POST", "/api/deployments" },
        { "POST", "/api/deployments/{deployment}/runs" },
        { "DELETE", "/api/deployments/{deployment}" },
        { "POST", "/api/flow-runs/{run}/state" },
        { "POST", "/api/flow-runs/{run}/cancel" },
        { "POST", "/api/flow-runs/{run}/logs" },
        { "POST", "/api/keys" },
        { "POST", "/api/users" },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Writes_without_a_key_are_401_problems_and_write_nothing(string method, string path)
    {
        var target = await TargetAsync();
        foreach (var key in new string?[] { null, "cx_00000000_not-a-real-key-at-all-no-no-no-no", "garbage", "" })
        {
            var before = await RowsAsync();
            using var client = Factory.ClientWith(key);
            var response = await client.SendAsync(Request(method, target.Fill(path)));
            var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.False(string.IsNullOrEmpty(problem["detail"]?.GetValue<string>()));
            Assert.Equal(before, await RowsAsync());
        }
    }

    [Fact]
    public async Task Reads_without_a_key_are_401()
    {
        using var client = Factory.ClientWith(null);
        foreach (var path in new[] { "/api/work-pools", "/api/deployments", "/api/flow-runs", "/api/workers", "/api/work-queues", "/api/work-pool-types", "/api/audit", "/api/keys" })
        {
            await AssertProblemAsync(await client.GetAsync(path), HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Revoked_and_expired_keys_are_401()
    {
        var created = await (await Client.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "short", Role = Roles.Operator }))
            .ReadAsync<CreatedApiKeyDto>();
        using var client = Factory.ClientWith(created.Key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/work-pools")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/keys/{created.Id}")).StatusCode);
        var before = await RowsAsync();
        await AssertProblemAsync(await client.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = Unique("p"), Type = "process" }), HttpStatusCode.Unauthorized);
        Assert.Equal(before, await RowsAsync());

        var expiring = await (await Client.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "expiring", Role = Roles.Admin, ExpiresInDays = 1 }))
            .ReadAsync<CreatedApiKeyDto>();
        using var late = Factory.ClientWith(expiring.Key);
        Assert.Equal(HttpStatusCode.OK, (await late.GetAsync("/api/work-pools")).StatusCode);
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            // A day later, as far as the key knows.
            await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().ApiKeys.Where(k => k.Id == expiring.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.ExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
        }

        await AssertProblemAsync(await late.GetAsync("/api/work-pools"), HttpStatusCode.Unauthorized);
        var listed = await GetAsync<List<ApiKeyDto>>("/api/keys");
        Assert.Equal(ApiKeyStatus.Expired, listed.Single(k => k.Id == expiring.Id).Status);
        Assert.Equal(ApiKeyStatus.Revoked, listed.Single(k => k.Id == created.Id).Status);
    }

    [Fact]
    public async Task A_key_with_one_character_changed_is_401()
    {
        var key = await Factory.KeyAsync(Roles.Admin);
        var tampered = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        using var client = Factory.ClientWith(tampered);
        await AssertProblemAsync(await client.GetAsync("/api/work-pools"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_worker_key_serves_its_pool_and_gets_403_on_another_pool_writing_nothing()
    {
        var mine = await TargetAsync();
        var other = await TargetAsync();
        var workerKey = await Factory.KeyAsync(Roles.Worker, mine.Pool);
        using var worker = Factory.ClientWith(workerKey);

        // Its own pool: the whole worker conversation works.
        Assert.Equal(HttpStatusCode.NoContent, (await worker.PostJsonAsync($"/api/work-pools/{mine.Pool}/workers/heartbeat", new HeartbeatRequest { Name = "w1" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await worker.GetAsync($"/api/work-pools/{mine.Pool}")).StatusCode);
        var claimed = await (await worker.PostJsonAsync($"/api/work-pools/{mine.Pool}/poll", new PollRequest { WorkerName = "w1", Limit = 5 })).ReadAsync<List<FlowRunDto>>();
        Assert.Contains(claimed, r => r.Id == mine.Run);
        Assert.Equal(HttpStatusCode.OK, (await worker.PostJsonAsync($"/api/flow-runs/{mine.Run}/state", new SetStateRequest { State = FlowRunState.Running })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await worker.PostJsonAsync($"/api/flow-runs/{mine.Run}/logs",
            new[] { new NewLogLine { Message = "hello", Timestamp = DateTime.UtcNow } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await worker.GetAsync($"/api/flow-runs/{mine.Run}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await worker.GetAsync($"/api/flow-runs?pool={mine.Pool}&worker=w1")).StatusCode);

        // Another pool: 403 on every worker call, and nothing written.
        var before = await RowsAsync();
        foreach (var (method, path) in new[]
        {
            ("POST", "/api/work-pools/{pool}/workers/heartbeat"), ("POST", "/api/work-pools/{pool}/poll"), ("GET", "/api/work-pools/{pool}"),
            ("GET", "/api/work-pools/{pool}/queues"), ("POST", "/api/flow-runs/{run}/state"), ("POST", "/api/flow-runs/{run}/logs"),
            ("GET", "/api/flow-runs/{run}"), ("GET", "/api/flow-runs/{run}/logs"), ("GET", "/api/flow-runs?pool={pool}"),
        })
        {
            var response = await worker.SendAsync(Request(method, other.Fill(path)));
            await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task A_worker_key_gets_403_outside_the_worker_calls()
    {
        var mine = await TargetAsync();
        using var worker = Factory.ClientWith(await Factory.KeyAsync(Roles.Worker, mine.Pool));
        var before = await RowsAsync();
        foreach (var (method, path) in new[]
        {
            ("POST", "/api/work-pools"), ("PATCH", "/api/work-pools/{pool}"), ("DELETE", "/api/work-pools/{pool}"), ("POST", "/api/work-pools/{pool}/pause"),
            ("POST", "/api/work-pools/{pool}/queues"), ("DELETE", "/api/work-pools/{pool}/workers/w1"), ("GET", "/api/work-pools"),
            ("GET", "/api/deployments"), ("POST", "/api/deployments"), ("POST", "/api/deployments/{deployment}/runs"),
            ("POST", "/api/flow-runs/{run}/cancel"), ("GET", "/api/flow-runs"), ("GET", "/api/keys"), ("POST", "/api/keys"),
            ("GET", "/api/audit"), ("GET", "/api/workers"), ("POST", "/hubs/live/negotiate?negotiateVersion=1"), ("GET", "/hangfire"),
        })
        {
            var response = await worker.SendAsync(Request(method, mine.Fill(path)));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task The_hub_and_the_dashboard_need_credentials_too()
    {
        using var anonymous = Factory.ClientWith(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/hubs/live/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await Factory.CreateClient(new() { AllowAutoRedirect = false }).GetAsync("/hangfire")).StatusCode);

        using var viewer = Factory.ClientWith(await Factory.KeyAsync(Roles.Viewer));
        Assert.Equal(HttpStatusCode.OK, (await viewer.PostAsync("/hubs/live/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task Health_and_the_api_description_stay_public()
    {
        using var anonymous = Factory.ClientWith(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
    }

    private static HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PATCH")
        {
            request.Content = JsonContent(path.EndsWith("/logs", StringComparison.Ordinal)
                ? """[{"message":"x","timestamp":"2026-01-01T00:00:00Z"}]"""
                : path.EndsWith("/state", StringComparison.Ordinal) ? """{"state":"Running"}"""
                : path.EndsWith("/heartbeat", StringComparison.Ordinal) ? """{"name":"intruder"}"""
                : path.EndsWith("/poll", StringComparison.Ordinal) ? """{"workerName":"intruder"}"""
                : path.EndsWith("/api/keys", StringComparison.Ordinal) ? """{"name":"k","role":"admin"}"""
                : path.EndsWith("/api/users", StringComparison.Ordinal) ? """{"userName":"mallory","role":"admin"}"""
                : """{"name":"sneaky","type":"process","description":"x"}""");
        }

        return request;
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    /// <summary>A pool with a deployment and a Scheduled run, to aim requests at.</summary>
    private async Task<Target> TargetAsync()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id);
        return new Target(pool.Name, deployment.Id, run.Id);
    }

    private sealed record Target(string Pool, Guid Deployment, Guid Run)
    {
        public string Fill(string path) => path
            .Replace("{pool}", Pool, StringComparison.Ordinal)
            .Replace("{deployment}", Deployment.ToString(), StringComparison.Ordinal)
            .Replace("{run}", Run.ToString(), StringComparison.Ordinal);
    }
}

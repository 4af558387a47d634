using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Tests.Infrastructure;

namespace Console.Tests.Security;

/// <summary>Who changed what: people's and keys' changes are recorded; workers' reports and secrets are not.</summary>
public sealed class AuditTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    [Fact]
    public async Task Changes_by_an_operator_key_are_recorded_with_who_what_and_which_fields()
    {
        var operatorKey = await Factory.KeyAsync(Roles.Operator);
        using var ops = Factory.ClientWith(operatorKey);
        var pool = Unique("audited");
        Assert.Equal(HttpStatusCode.Created, (await ops.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = pool, Type = "process" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ops.PostAsync($"/api/work-pools/{pool}/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ops.PatchJsonAsync($"/api/work-pools/{pool}", new { concurrencyLimit = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await ops.PostJsonAsync($"/api/work-pools/{pool}/queues", new CreateWorkQueueRequest { Name = "fast", Priority = 5 })).StatusCode);
        var deployment = await (await ops.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = Unique("flow"), Name = "nightly", Entrypoint = "flow.sh", WorkPoolName = pool,
            JobVariables = new JsonObject { ["env"] = new JsonObject { ["DB_PASSWORD"] = "hunter2-secret" } },
        })).ReadAsync<DeploymentDto>();
        var run = await (await ops.PostJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest())).ReadAsync<FlowRunDto>();
        Assert.Equal(HttpStatusCode.OK, (await ops.PostAsync($"/api/flow-runs/{run.Id}/cancel", null)).StatusCode);

        var entries = await GetAsync<List<AuditEntryDto>>($"/api/audit?limit=50&resource=work-pool/{pool}");
        Assert.Equal(["update", "pause", "create"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(("operator test key", "key", Roles.Operator), (e.Actor[..e.Actor.IndexOf(" (", StringComparison.Ordinal)], e.ActorKind, e.ActorRole)));
        Assert.Equal(3, entries[0].Changes["concurrencyLimit"]!.GetValue<int>());

        var all = await GetAsync<List<AuditEntryDto>>("/api/audit?limit=200");
        Assert.Contains(all, e => e is { Resource: "work-queue", Action: "create" } && e.ResourceName == $"{pool}/fast");
        Assert.Contains(all, e => e is { Resource: "flow-run", Action: "cancel" } && e.ResourceName == run.Id.ToString());
        Assert.Contains(all, e => e is { Resource: "flow-run", Action: "create" } && e.ResourceName == run.Id.ToString());
        var created = Assert.Single(all, e => e is { Resource: "deployment", Action: "create" } && e.ResourceName == $"{deployment.FlowName}/nightly");
        Assert.Equal("(changed)", created.Changes["jobVariables"]!.GetValue<string>());
        Assert.DoesNotContain(all, e => e.Changes.ToJsonString().Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task What_workers_report_is_not_audited()
    {
        var pool = await CreatePoolAsync(type: "process");
        var run = await RunAsync((await CreateDeploymentAsync(pool.Name)).Id);
        using var worker = Factory.ClientWith(await Factory.KeyAsync(Roles.Worker, pool.Name));
        var before = await GetAsync<List<AuditEntryDto>>("/api/audit?limit=1000");

        Assert.Equal(HttpStatusCode.NoContent, (await worker.PostJsonAsync($"/api/work-pools/{pool.Name}/workers/heartbeat", new HeartbeatRequest { Name = "w" })).StatusCode);
        Assert.Single(await (await worker.PostJsonAsync($"/api/work-pools/{pool.Name}/poll", new PollRequest { WorkerName = "w" })).ReadAsync<List<FlowRunDto>>());
        Assert.Equal(HttpStatusCode.OK, (await worker.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = Console.Contracts.FlowRuns.FlowRunState.Running })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await worker.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Message = "m", Timestamp = DateTime.UtcNow } })).StatusCode);

        Assert.Equal(before.Count, (await GetAsync<List<AuditEntryDto>>("/api/audit?limit=1000")).Count);
    }

    [Fact]
    public async Task Keys_are_audited_without_their_secret()
    {
        var created = await (await Client.PostJsonAsync("/api/keys", new CreateApiKeyRequest { Name = "ci", Role = Roles.Viewer })).ReadAsync<CreatedApiKeyDto>();
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/api/keys/{created.Id}")).StatusCode);
        var entries = await GetAsync<List<AuditEntryDto>>($"/api/audit?resource=api-key/{created.Prefix}");
        Assert.Equal(["revoke", "create"], entries.Select(e => e.Action));
        var secret = created.Key[(created.Prefix.Length + 1)..];
        Assert.All(entries, e => Assert.DoesNotContain(secret, e.Changes.ToJsonString(), StringComparison.Ordinal));
        Assert.All(entries, e => Assert.False(e.Changes.ContainsKey("secretHash")));
    }

    [Fact]
    public async Task The_limit_is_checked()
    {
        await AssertProblemAsync(await Client.GetAsync("/api/audit?limit=0"), HttpStatusCode.BadRequest, "limit");
        await AssertProblemAsync(await Client.GetAsync("/api/audit?limit=100000"), HttpStatusCode.BadRequest, "limit");
    }
}

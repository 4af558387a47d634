using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using CreateSecretRequest = Console.Contracts.Security.CreateSecretRequest;
using Console.Core.Persistence;
using Console.Testing;
using Console.Tests.Images;
using Console.Tests.Infrastructure;
using Console.Tests.Worker;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Deployments;

/// <summary>The server of these tests may look for a process deployment's entrypoint on its own disk (it shares the worker's).</summary>
public sealed class PreflightServer : ConsoleServer
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Deployments:CheckEntrypointOnServer"] = "true" };
}

/// <summary>
/// <c>POST /api/deployments/preflight</c> against real pools, a real worker, a real registry: each
/// failing check names what is wrong, a good body passes, and nothing is ever saved.
/// </summary>
public sealed class PreflightTests(PreflightServer server, LocalRegistry registry) : IClassFixture<PreflightServer>, IClassFixture<LocalRegistry>, IDisposable
{
    private readonly HttpClient _api = server.CreateHttpClient();
    private readonly string _folder = Directory.CreateTempSubdirectory("console-preflight-").FullName;

    public void Dispose()
    {
        _api.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_good_process_deployment_with_a_worker_online_passes_every_check_and_shows_its_job()
    {
        var pool = ConsoleApi.UniqueName("pf-ok");
        await _api.CreatePoolAsync(pool, "process");
        await File.WriteAllTextAsync(Path.Combine(_folder, "flow.sh"), "echo hi\n");
        var secret = ConsoleApi.UniqueName("token");
        (await _api.PostAsJsonAsync("/api/secrets", new CreateSecretRequest { Name = secret, Value = "s3cret-value" }, ConsoleJson.Options)).EnsureSuccessStatusCode();
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, pool, ConsoleApi.UniqueName("pf-worker"));
        await Wait.UntilAsync(async () => (await _api.WorkersAsync(pool)).Any(w => w.Status == WorkerStatus.Online), "the worker to come online");
        // Its first poll records the queue's workQueue.ready event: counted before, not during, the preflight.
        await Wait.UntilAsync(async () => (await _api.GetJsonAsync<WorkQueueDto>($"/api/work-pools/{pool}/queues/default")).Status == QueueStatus.Ready, "the worker's first poll");

        var before = await CountAsync();
        var result = await PreflightAsync(Body(pool) with
        {
            JobVariables = new JsonObject { ["env"] = new JsonObject { ["TOKEN"] = $"{{{{ secret.{secret} }}}}" } },
            PullSteps = [new PullStepDto { SetWorkingDirectory = new SetWorkingDirectoryStep { Directory = _folder } }],
        });

        Assert.True(result.Ok, string.Join("\n", result.Checks.Select(c => $"{c.Name}: {c.Ok} {c.Message}")));
        Assert.Equal([PreflightChecks.Request, PreflightChecks.Pool, PreflightChecks.Variables, PreflightChecks.Secrets, PreflightChecks.Worker, PreflightChecks.Image, PreflightChecks.Entrypoint],
            result.Checks.Select(c => c.Name));
        Assert.Contains("'flow.sh' exists in", Check(result, PreflightChecks.Entrypoint).Message, StringComparison.Ordinal);
        Assert.Equal("sh flow.sh", (string?)result.Job!["command"]);
        // The secret stays a reference: its value is never shown.
        Assert.Equal($"{{{{ secret.{secret} }}}}", (string?)result.Job["env"]!["TOKEN"]);
        Assert.DoesNotContain("s3cret-value", result.Job.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_bad_variable_fails_naming_the_field_and_a_missing_secret_fails_naming_it_and_nothing_is_saved()
    {
        var pool = ConsoleApi.UniqueName("pf-var");
        await _api.CreatePoolAsync(pool, "docker");
        var missing = ConsoleApi.UniqueName("nosuch");
        var before = await CountAsync();

        var result = await PreflightAsync(Body(pool) with
        {
            JobVariables = new JsonObject { ["cpus"] = "lots", ["env"] = new JsonObject { ["A"] = $"{{{{ secret.{missing} }}}}" } },
        });

        Assert.False(result.Ok);
        var variables = Check(result, PreflightChecks.Variables);
        Assert.False(variables.Ok);
        Assert.Contains("jobVariables.cpus", variables.Message, StringComparison.Ordinal);
        var secrets = Check(result, PreflightChecks.Secrets);
        Assert.False(secrets.Ok);
        Assert.Contains($"'{missing}' does not exist", secrets.Message, StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_paused_pool_and_no_worker_online_fail_their_checks()
    {
        var pool = ConsoleApi.UniqueName("pf-paused");
        await _api.CreatePoolAsync(pool, "process");
        await _api.SetPoolPausedAsync(pool, paused: true);

        var result = await PreflightAsync(Body(pool));

        var poolCheck = Check(result, PreflightChecks.Pool);
        Assert.False(poolCheck.Ok);
        Assert.Contains($"Work pool '{pool}' is paused", poolCheck.Message, StringComparison.Ordinal);
        var worker = Check(result, PreflightChecks.Worker);
        Assert.False(worker.Ok);
        Assert.Contains("No online worker serves queue 'default'", worker.Message, StringComparison.Ordinal);
        Assert.True(Check(result, PreflightChecks.Variables).Ok);
    }

    [Fact]
    public async Task An_image_the_registry_does_not_have_fails_and_an_unknown_pool_fails_without_rendering()
    {
        var pool = ConsoleApi.UniqueName("pf-image");
        await _api.CreatePoolAsync(pool, "docker");
        var image = $"{registry.Address}/console-test/missing-{Guid.NewGuid():N}:1.0";

        var result = await PreflightAsync(Body(pool) with { JobVariables = new JsonObject { ["image"] = image } });

        var check = Check(result, PreflightChecks.Image);
        Assert.False(check.Ok);
        Assert.Contains($"is not in registry {registry.Address}", check.Message, StringComparison.Ordinal);
        Assert.Contains("answered 404", check.Message, StringComparison.Ordinal);
        Assert.Equal(image, (string?)result.Job!["image"]);

        var unknown = await PreflightAsync(Body(ConsoleApi.UniqueName("nopool")));
        Assert.False(Check(unknown, PreflightChecks.Pool).Ok);
        Assert.Null(unknown.Job);
    }

    [Fact]
    public async Task A_docker_worker_reports_its_engine_images_an_image_there_passes_and_one_missing_with_pull_policy_never_fails()
    {
        TestEnvironment.RequireDocker();
        var pool = ConsoleApi.UniqueName("pf-engine");
        await _api.CreatePoolAsync(pool, "docker");
        var name = ConsoleApi.UniqueName("pf-docker");
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, pool, name);
        await Wait.UntilAsync(async () => (await _api.WorkersAsync(pool)).Any(w => w.Status == WorkerStatus.Online), "the docker worker to come online");

        var present = await Wait.ForAsync(async () =>
        {
            var result = await PreflightAsync(Body(pool) with { JobVariables = new JsonObject { ["image"] = TestEnvironment.TestImage } });
            return Check(result, PreflightChecks.Image).Message.Contains("is on the engine", StringComparison.Ordinal) ? result : null;
        }, what: "a heartbeat listing the engine's images");
        Assert.True(Check(present, PreflightChecks.Image).Ok);
        Assert.Contains($"worker '{name}'", Check(present, PreflightChecks.Image).Message, StringComparison.Ordinal);

        var missing = $"console-test/missing-{Guid.NewGuid():N}:1";
        var absent = await PreflightAsync(Body(pool) with { JobVariables = new JsonObject { ["image"] = missing, ["image_pull_policy"] = "Never" } });
        var check = Check(absent, PreflightChecks.Image);
        Assert.False(check.Ok);
        Assert.Contains($"not on the engine of '{name}', and image_pull_policy is Never", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_400_and_a_body_create_would_refuse_is_a_failed_check()
    {
        using var content = new StringContent("this is not json", Encoding.UTF8, "application/json");
        using var response = await _api.PostAsync(new Uri("/api/deployments/preflight", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        var pool = ConsoleApi.UniqueName("pf-req");
        await _api.CreatePoolAsync(pool, "process");
        var result = await PreflightAsync(Body(pool) with { Name = "Not A Name", Entrypoint = null });
        var request = Check(result, PreflightChecks.Request);
        Assert.False(request.Ok);
        Assert.Contains("name", request.Message, StringComparison.Ordinal);
        Assert.False(Check(result, PreflightChecks.Entrypoint).Ok);
    }

    private static CreateDeploymentRequest Body(string pool) => new()
    {
        FlowName = ConsoleApi.UniqueName("flow"), Name = ConsoleApi.UniqueName("dep"), Entrypoint = "flow.sh", Command = "sh flow.sh", WorkPoolName = pool,
    };

    private async Task<PreflightResultDto> PreflightAsync(CreateDeploymentRequest body)
    {
        using var response = await _api.PostAsJsonAsync("/api/deployments/preflight", body, ConsoleJson.Options);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<PreflightResultDto>(ConsoleJson.Options))!;
    }

    private static PreflightCheckDto Check(PreflightResultDto result, string name) => result.Checks.Single(c => c.Name == name);

    /// <summary>Deployments, audit rows and events: what a create would add, and preflight must not.</summary>
    private async Task<(int Deployments, int Audit, int Events)> CountAsync()
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        return (await db.Deployments.CountAsync(), await db.AuditEntries.CountAsync(), await db.Events.CountAsync());
    }
}

using System.Net;
using System.Net.Http.Json;
using Console.Contracts.Common;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Testing;
using Console.Tests.Faults;
using Console.Tests.Infrastructure;

namespace Console.Tests.Security;

/// <summary>
/// Flows never see the worker's key: a process run started by a real worker process (its key in
/// its environment, as operators deploy it) gets only a token scoped to that run, which reports the
/// run's logs and nothing else, and dies with the run.
/// </summary>
public sealed class RunTokenTests(SecureConsoleServer server) : IClassFixture<SecureConsoleServer>
{
    [Fact]
    public async Task A_process_flows_environment_has_no_worker_key_and_its_token_reaches_only_its_own_run()
    {
        var pool = "tok-" + Guid.NewGuid().ToString("N")[..10];
        using var admin = await ClientAsync(Roles.Admin);
        await admin.CreatePoolAsync(pool, "process");
        var workerKey = await server.KeyAsync(Roles.Worker, pool);
        var other = await admin.RunAsync(pool, "sh -c 'exit 0'", docker: false);
        await admin.PostAsJsonAsync($"/api/flow-runs/{other.Id}/cancel", new { }, ConsoleJson.Options);

        var run = await admin.RunAsync(pool, "sh -c 'env; echo printed; sleep 60'", docker: false);
        var worker = WorkerProcess.StartCli(BuiltApps.DotnetHost, BuiltApps.CliDll, server.BaseUrl, pool, "w-" + Guid.NewGuid().ToString("N")[..8],
            new Dictionary<string, string?>
            {
                // As users start it: the CLI's own key (it checks the pool with it) and the worker's setting.
                ["CONSOLE_API_KEY"] = workerKey, ["Worker:ApiKey"] = workerKey, ["Worker:PollWaitSeconds"] = "5",
            });
        try
        {
            await Wait.UntilAsync(async () => (await admin.OutputAsync(run.Id)).Contains("printed"), "the flow to print its environment");
            var environment = await admin.OutputAsync(run.Id);
            Assert.DoesNotContain(environment, line => line.Contains(workerKey, StringComparison.Ordinal));
            Assert.DoesNotContain(environment, line => line.StartsWith("Worker__ApiKey=", StringComparison.OrdinalIgnoreCase));
            var token = Assert.Single(environment, line => line.StartsWith("CONSOLE_API_KEY=", StringComparison.Ordinal))["CONSOLE_API_KEY=".Length..];
            Assert.StartsWith("cxr_", token, StringComparison.Ordinal);

            using var flow = server.CreateHttpClient();
            flow.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var logged = await flow.PostAsJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Message = "from the flow", Level = "info" } }, ConsoleJson.Options);
            Assert.Equal(HttpStatusCode.NoContent, logged.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await flow.GetAsync($"/api/flow-runs/{run.Id}")).StatusCode);
            foreach (var (method, path) in new[]
            {
                ("GET", $"/api/flow-runs/{other.Id}"), ("POST", $"/api/flow-runs/{other.Id}/logs"), ("GET", "/api/flow-runs"),
                ("GET", $"/api/work-pools/{pool}"), ("POST", $"/api/flow-runs/{run.Id}/token"), ("POST", $"/api/flow-runs/{run.Id}/cancel"),
                ("GET", "/api/keys"), ("POST", "/api/deployments"),
            })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(new { }) : null };
                Assert.True((await flow.SendAsync(request)).StatusCode == HttpStatusCode.Forbidden, $"{method} {path} with a run's token");
            }

            await admin.PostAsJsonAsync($"/api/flow-runs/{run.Id}/cancel", new { }, ConsoleJson.Options);
            await admin.WaitForStateAsync(run.Id, s => !s.IsActive(), "the run to end");
            Assert.Equal(HttpStatusCode.Forbidden, (await flow.GetAsync($"/api/flow-runs/{run.Id}")).StatusCode);
            Assert.Contains(await admin.LogsAsync(run.Id), l => l.Message == "from the flow");
        }
        finally
        {
            await worker.KillAsync();
        }
    }

    [Fact]
    public async Task Tokens_are_issued_only_for_active_runs_of_the_callers_pools_and_a_forged_one_is_401()
    {
        var pool = "tok-" + Guid.NewGuid().ToString("N")[..10];
        using var admin = await ClientAsync(Roles.Admin);
        await admin.CreatePoolAsync(pool, "process");
        var run = await admin.RunAsync(pool, "echo hi", docker: false);
        using var stranger = await ClientAsync(Roles.Worker, "another-pool");
        using var owner = await ClientAsync(Roles.Worker, pool);

        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync($"/api/flow-runs/{run.Id}/token", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PostAsync($"/api/flow-runs/{run.Id}/token", null)).StatusCode); // Scheduled: nothing runs yet

        var claimed = await (await owner.PostAsJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = "w1" }, ConsoleJson.Options))
            .ReadAsync<List<FlowRunDto>>();
        Assert.Contains(claimed, r => r.Id == run.Id);
        var token = await (await owner.PostAsync($"/api/flow-runs/{run.Id}/token", null)).ReadAsync<RunTokenDto>();
        Assert.True(token.ExpiresAt > DateTime.UtcNow);

        using var forged = server.CreateHttpClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", token.Token[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync($"/api/flow-runs/{run.Id}")).StatusCode);

        using var flow = server.CreateHttpClient();
        flow.DefaultRequestHeaders.Authorization = new("Bearer", token.Token);
        foreach (var state in new[] { FlowRunState.Running, FlowRunState.Completed })
        {
            Assert.Equal(HttpStatusCode.OK, (await flow.PostAsJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = state }, ConsoleJson.Options)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await flow.PostAsJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Message = "late" } }, ConsoleJson.Options)).StatusCode);
        var ended = await owner.PostAsync($"/api/flow-runs/{run.Id}/token", null);
        Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
    }

    private async Task<HttpClient> ClientAsync(string role, params string[] pools)
    {
        var client = server.CreateHttpClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await server.KeyAsync(role, pools));
        return client;
    }
}

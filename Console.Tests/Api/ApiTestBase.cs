using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Core.Persistence;
using Console.Core.Polling;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>Helpers shared by the REST tests: unique names, typed calls, problem assertions.</summary>
public abstract class ApiTestBase(ApiFactory factory)
{
    protected ApiFactory Factory { get; } = factory;

    protected HttpClient Client { get; } = factory.CreateClient();

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];

    // The shared REST driver (ConsoleApi) with this class's defaults: unique names, a Docker pool.
    protected Task<WorkPoolDto> CreatePoolAsync(string? name = null, string type = "docker", int? limit = null, JsonObject? template = null) =>
        Client.CreatePoolAsync(name ?? Unique("pool"), type, limit, template);

    protected Task<DeploymentDto> CreateDeploymentAsync(string pool, string? queue = null, JsonObject? jobVariables = null, string? command = "echo hello", int? limit = null) =>
        Client.CreateDeploymentAsync(pool, Unique("flow"), Unique("dep"), jobVariables, command, queue, limit);

    protected Task<FlowRunDto> RunAsync(Guid deploymentId, CreateFlowRunRequest? request = null) =>
        Client.CreateRunAsync(deploymentId, request ?? new CreateFlowRunRequest());

    protected Task<IReadOnlyList<FlowRunDto>> PollAsync(string pool, string worker, int? limit = null, double? wait = null, IReadOnlyList<string>? queues = null) =>
        Client.PollAsync(pool, worker, limit, wait, queues: queues);

    protected Task<T> GetAsync<T>(string url) => Client.GetJsonAsync<T>(url);

    /// <summary>A heartbeat whose answer the test reads (204, or 200 with a drain).</summary>
    protected Task<HttpResponseMessage> HeartbeatAsync(string pool, HeartbeatRequest request) =>
        Client.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat", request);

    protected async Task<WorkerDto> Worker(string pool, string name) =>
        (await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool}/workers")).Single(w => w.Name == name);

    /// <summary>Asserts a problem-details answer with the status, and (when given) an error on the field.</summary>
    protected static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        if (field is not null)
        {
            var errors = problem["errors"]?.AsObject();
            Assert.True(errors?.ContainsKey(field) == true, $"expected an error on '{field}', got {problem.ToJsonString()}");
        }

        return problem;
    }

    /// <summary>Runs one of the server's periodic jobs (Console.Web/Jobs) in a scope of its own, as Hangfire would.</summary>
    /// <summary>Takes every free turn of the gate (one on SQLite, several on PostgreSQL): nothing else writes until they are let go.</summary>
    protected static async Task<int> HoldEveryTurnAsync(ClaimGate gate)
    {
        var held = 0;
        while (true)
        {
            using var cts = new CancellationTokenSource();
            var turn = gate.WaitAsync(cts.Token);
            if (turn.IsCompletedSuccessfully)
            {
                held++;
                continue;
            }

            await cts.CancelAsync();
            try
            {
                // Another holder (the heartbeat flush, on SQLite) may have let its turn go before the
                // cancel: then this one holds it, and must count it, or the gate would keep it for good.
                await turn;
                held++;
            }
            catch (OperationCanceledException)
            {
                return held;
            }
        }
    }

    protected static void ReleaseTurns(ClaimGate gate, int held)
    {
        for (var i = 0; i < held; i++)
        {
            gate.Release();
        }
    }

    protected async Task<TResult> RunJobAsync<TJob, TResult>(Func<TJob, Task<TResult>> run)
        where TJob : notnull
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var scope = Factory.Services.CreateAsyncScope();
        return await run(scope.ServiceProvider.GetRequiredService<TJob>());
    }

    /// <summary>Counts rows straight from the database, to prove a refused request wrote nothing.</summary>
    protected async Task<(int Pools, int Queues, int Deployments, int Runs, int Logs)> CountRowsAsync()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        return (await db.WorkPools.CountAsync(), await db.WorkQueues.CountAsync(), await db.Deployments.CountAsync(),
            await db.FlowRuns.CountAsync(), await db.LogLines.CountAsync());
    }
}

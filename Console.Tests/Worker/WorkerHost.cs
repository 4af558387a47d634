using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Worker;
using Console.Worker.Hosting;
using Console.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Console.Tests.Worker;

/// <summary>A real worker (the same DI entry point the web host and the CLI call) talking to a real server over HTTP.</summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkerHost(IHost host) => _host = host;

    public WorkerProcessor Processor => _host.Services.GetRequiredService<WorkerProcessor>();

    /// <summary>The worker's /metrics and /health listener (on only with Worker:MetricsPort).</summary>
    public WorkerTelemetryServer Telemetry => _host.Services.GetRequiredService<WorkerTelemetryServer>();

    public static async Task<WorkerHost> StartAsync(string apiUrl, string pool, string name, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Worker:Enabled"] = "true",
            ["Worker:Pools:0"] = pool,
            ["Worker:Name"] = name,
            ["Worker:ApiUrl"] = apiUrl,
            ["Worker:PollWaitSeconds"] = "5",
            ["Worker:HeartbeatIntervalSeconds"] = "2",
            ["Worker:CancelCheckSeconds"] = "0.2",
            ["Worker:CancelGraceSeconds"] = "1",
            ["Worker:CreatePoolIfMissing"] = "false",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddConsoleWorker();
        var host = builder.Build();
        await host.StartAsync();
        return new WorkerHost(host);
    }

    /// <summary>Stops supervising without ending anything: containers keep running, as after a SIGKILL.</summary>
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

/// <summary>REST calls the end-to-end tests make as a user would.</summary>
internal static class ConsoleRest
{
    public static async Task CreatePoolAsync(this HttpClient http, string pool, string type = "docker")
    {
        using var response = await http.PostAsJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = pool, Type = type }, ConsoleJson.Options);
        response.EnsureSuccessStatusCode();
    }

    public static async Task<FlowRunDto> RunAsync(this HttpClient http, string pool, string command, JsonObject? jobVariables = null,
        JsonObject? parameters = null, bool docker = true)
    {
        var variables = jobVariables ?? [];
        if (docker)
        {
            variables["image_pull_policy"] ??= "Never"; // no registry here: the local test image only
        }

        using var created = await http.PostAsJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "flow-" + Guid.NewGuid().ToString("N")[..8],
            Name = "dep",
            Entrypoint = "flow.sh",
            Command = command,
            WorkPoolName = pool,
            JobVariables = variables,
        }, ConsoleJson.Options);
        await EnsureAsync(created);
        var deployment = (await created.Content.ReadFromJsonAsync<DeploymentDto>(ConsoleJson.Options))!;
        using var run = await http.PostAsJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest { Parameters = parameters }, ConsoleJson.Options);
        await EnsureAsync(run);
        return (await run.Content.ReadFromJsonAsync<FlowRunDto>(ConsoleJson.Options))!;
    }

    public static async Task<FlowRunDto> GetRunAsync(this HttpClient http, Guid id) =>
        (await http.GetFromJsonAsync<FlowRunDto>($"/api/flow-runs/{id}", ConsoleJson.Options))!;

    public static async Task<IReadOnlyList<LogLineDto>> LogsAsync(this HttpClient http, Guid id) =>
        (await http.GetFromJsonAsync<List<LogLineDto>>($"/api/flow-runs/{id}/logs", ConsoleJson.Options))!;

    public static async Task<IReadOnlyList<string>> OutputAsync(this HttpClient http, Guid id) =>
        [.. (await http.LogsAsync(id)).Where(l => l.Stream != "worker").Select(l => l.Message)];

    public static async Task<FlowRunDto> WaitForStateAsync(this HttpClient http, Guid id, Func<FlowRunState, bool> condition, string what, int timeoutSeconds = 60)
    {
        FlowRunDto? run = null;
        await WorkerTestKit.WaitUntilAsync(async () =>
        {
            try
            {
                run = await http.GetRunAsync(id);
                return condition(run.State);
            }
            catch (HttpRequestException)
            {
                return false; // the server is restarting
            }
        }, $"{what} (last state: {run?.State})", timeoutSeconds);
        return run!;
    }

    public static Task<FlowRunDto> WaitForStateAsync(this HttpClient http, Guid id, FlowRunState state, int timeoutSeconds = 60) =>
        http.WaitForStateAsync(id, s => s == state, $"run {id} to be {state}", timeoutSeconds);

    public static async Task<IReadOnlyList<WorkerDto>> WorkersAsync(this HttpClient http, string pool) =>
        (await http.GetFromJsonAsync<List<WorkerDto>>($"/api/work-pools/{pool}/workers", ConsoleJson.Options))!;

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

/// <summary>Arranges server state over REST and plays the worker's part, so CLI tests drive runs by hand.</summary>
public sealed class RestSetup(ConsoleServer server) : IDisposable
{
    private readonly HttpClient _http = server.CreateHttpClient();

    public async Task<WorkPoolDto> CreatePoolAsync(string name, string type = "process")
    {
        using var response = await _http.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = name, Type = type });
        response.EnsureSuccessStatusCode();
        return await response.ReadAsync<WorkPoolDto>();
    }

    public async Task<DeploymentDto> CreateDeploymentAsync(string pool, string flow, string name, JsonObject? jobVariables = null)
    {
        using var response = await _http.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = flow,
            Name = name,
            Entrypoint = "flow.sh",
            Command = "sh flow.sh",
            WorkPoolName = pool,
            JobVariables = jobVariables,
        });
        response.EnsureSuccessStatusCode();
        return await response.ReadAsync<DeploymentDto>();
    }

    public async Task<FlowRunDto> CreateRunAsync(Guid deployment)
    {
        using var response = await _http.PostJsonAsync($"/api/deployments/{deployment}/runs", new CreateFlowRunRequest());
        response.EnsureSuccessStatusCode();
        return await response.ReadAsync<FlowRunDto>();
    }

    public Task<T> GetAsync<T>(string path) => _http.GetFromJsonAsync<T>(path, ApiFactory.Json)!;

    public async Task<IReadOnlyList<FlowRunDto>> ClaimAsync(string pool, string worker)
    {
        using var response = await _http.PostJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = worker, WaitSeconds = 0 });
        response.EnsureSuccessStatusCode();
        return await response.ReadAsync<List<FlowRunDto>>();
    }

    public async Task SetStateAsync(Guid run, FlowRunState state, int? exitCode = null, string? message = null)
    {
        using var response = await _http.PostJsonAsync($"/api/flow-runs/{run}/state", new SetStateRequest { State = state, ExitCode = exitCode, Message = message });
        response.EnsureSuccessStatusCode();
    }

    public async Task LogAsync(Guid run, params string[] messages)
    {
        using var response = await _http.PostJsonAsync($"/api/flow-runs/{run}/logs",
            messages.Select(m => new NewLogLine { Message = m, Stream = "stdout", Level = "info" }).ToList());
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Waits for a condition the server will reach, failing after <paramref name="seconds"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, int seconds = 20)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The condition was not met within {seconds} s.");
            }

            await Task.Delay(50);
        }
    }

    public void Dispose() => _http.Dispose();
}

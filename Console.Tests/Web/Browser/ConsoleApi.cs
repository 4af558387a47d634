using System.Net;
using Console.Contracts;
using Console.Tests.Infrastructure;

namespace Console.Tests.Web.Browser;

/// <summary>What the browser tests do "elsewhere": a worker and automation over REST.</summary>
public sealed class ConsoleApi(HttpClient http)
{
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    public async Task CreatePoolAsync(string name, string type = "process")
    {
        using var response = await http.PostJsonAsync("/api/work-pools", new { name, type });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public async Task PollAsync(string pool, string worker)
    {
        using var response = await http.PostJsonAsync($"/api/work-pools/{pool}/poll", new { workerName = worker, limit = 0 });
        response.EnsureSuccessStatusCode();
    }

    public async Task HeartbeatAsync(string pool, string worker)
    {
        using var response = await http.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat", new { name = worker });
        response.EnsureSuccessStatusCode();
    }

    public async Task<DeploymentDto> CreateDeploymentAsync(string pool, string flow, string name)
    {
        using var response = await http.PostJsonAsync("/api/deployments", new
        {
            flowName = flow,
            name,
            entrypoint = "flows/hello.sh",
            workPoolName = pool,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<DeploymentDto>();
    }

    public async Task<FlowRunDto> RunAsync(Guid deployment)
    {
        using var response = await http.PostJsonAsync($"/api/deployments/{deployment}/runs", new { });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<FlowRunDto>();
    }

    /// <summary>A run whose start is already well past: Late at once.</summary>
    public async Task<FlowRunDto> RunLateAsync(Guid deployment)
    {
        using var response = await http.PostJsonAsync($"/api/deployments/{deployment}/runs", new { scheduledStartAt = DateTime.UtcNow.AddMinutes(-2) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<FlowRunDto>();
    }

    public async Task SetPoolPausedAsync(string pool, bool paused)
    {
        using var response = await http.PostAsync($"/api/work-pools/{pool}/{(paused ? "pause" : "resume")}", null);
        response.EnsureSuccessStatusCode();
    }

    public async Task<IReadOnlyList<FlowRunDto>> ClaimAsync(string pool, string worker)
    {
        using var response = await http.PostJsonAsync($"/api/work-pools/{pool}/poll", new { workerName = worker, limit = 10 });
        response.EnsureSuccessStatusCode();
        return await response.ReadAsync<List<FlowRunDto>>();
    }

    public async Task SetStateAsync(Guid run, string state, string? message = null, int? exitCode = null)
    {
        using var response = await http.PostJsonAsync($"/api/flow-runs/{run}/state", new { state, message, exitCode });
        response.EnsureSuccessStatusCode();
    }

    public async Task LogAsync(Guid run, params string[] messages)
    {
        using var response = await http.PostJsonAsync($"/api/flow-runs/{run}/logs",
            messages.Select(m => new { message = m, stream = "stdout" }).ToArray());
        response.EnsureSuccessStatusCode();
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
namespace Console.Bench.Infra;

/// <summary>The REST calls the benchmarks make (API.md), with the product's own JSON shape.</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(Uri baseUrl, int maxConnections = int.MaxValue)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        _http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(120) };
    }

    public HttpClient Http => _http;

    public async Task CreatePoolAsync(string name, string type, int? concurrencyLimit = null, CancellationToken ct = default)
    {
        using var response = await _http.PostAsJsonAsync("/api/work-pools", new { name, type, concurrencyLimit }, ConsoleJson.Options, ct);
        await EnsureAsync(response, ct);
    }

    public async Task<Guid> CreateDeploymentAsync(string flow, string name, string pool, string command, JsonObject? jobVariables = null, CancellationToken ct = default)
    {
        using var response = await _http.PostAsJsonAsync("/api/deployments", new
        {
            flowName = flow,
            name,
            entrypoint = "flow.sh",
            command,
            workPoolName = pool,
            jobVariables = jobVariables ?? [],
        }, ConsoleJson.Options, ct);
        await EnsureAsync(response, ct);
        var node = await response.Content.ReadFromJsonAsync<JsonObject>(ConsoleJson.Options, ct);
        return Guid.Parse(node!["id"]!.GetValue<string>());
    }

    public async Task<FlowRunDto> CreateRunAsync(Guid deployment, CancellationToken ct = default)
    {
        using var content = JsonContent.Create(new { }, options: ConsoleJson.Options);
        using var response = await _http.PostAsync(new Uri($"/api/deployments/{deployment}/runs", UriKind.Relative), content, ct);
        await EnsureAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<FlowRunDto>(ConsoleJson.Options, ct))!;
    }

    public async Task<IReadOnlyList<FlowRunDto>> PollAsync(string pool, string worker, int limit, double waitSeconds, int? heartbeatIntervalSeconds = null, CancellationToken ct = default)
    {
        using var response = await _http.PostAsJsonAsync(
            new Uri($"/api/work-pools/{pool}/poll", UriKind.Relative),
            new PollRequest { WorkerName = worker, Limit = limit, WaitSeconds = waitSeconds, HeartbeatIntervalSeconds = heartbeatIntervalSeconds },
            ConsoleJson.Options, ct);
        await EnsureAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<List<FlowRunDto>>(ConsoleJson.Options, ct))!;
    }

    public async Task HeartbeatAsync(string pool, string worker, int intervalSeconds, CancellationToken ct = default)
    {
        using var response = await _http.PostAsJsonAsync(
            new Uri($"/api/work-pools/{pool}/workers/heartbeat", UriKind.Relative),
            new HeartbeatRequest { Name = worker, HeartbeatIntervalSeconds = intervalSeconds },
            ConsoleJson.Options, ct);
        await EnsureAsync(response, ct);
    }

    public async Task SetStateAsync(Guid run, FlowRunState state, int? exitCode = null, CancellationToken ct = default)
    {
        using var response = await _http.PostAsJsonAsync(
            new Uri($"/api/flow-runs/{run}/state", UriKind.Relative),
            new SetStateRequest { State = state, ExitCode = exitCode },
            ConsoleJson.Options, ct);
        await EnsureAsync(response, ct);
    }

    public async Task<FlowRunDto> GetRunAsync(Guid run, CancellationToken ct = default) =>
        (await _http.GetFromJsonAsync<FlowRunDto>(new Uri($"/api/flow-runs/{run}", UriKind.Relative), ConsoleJson.Options, ct))!;

    public async Task<IReadOnlyList<FlowRunDto>> ListRunsAsync(string pool, string? state, int limit, CancellationToken ct = default)
    {
        var query = $"/api/flow-runs?pool={pool}&limit={limit}" + (state is null ? "" : $"&state={state}");
        return (await _http.GetFromJsonAsync<List<FlowRunDto>>(new Uri(query, UriKind.Relative), ConsoleJson.Options, ct))!;
    }

    public async Task<IReadOnlyList<WorkerDto>> WorkersAsync(string pool, CancellationToken ct = default) =>
        (await _http.GetFromJsonAsync<List<WorkerDto>>(new Uri($"/api/work-pools/{pool}/workers", UriKind.Relative), ConsoleJson.Options, ct))!;

    public void Dispose() => _http.Dispose();

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {body}", null, response.StatusCode);
        }
    }
}

internal static class HttpStatus
{
    public static bool IsServerError(HttpRequestException ex) => ex.StatusCode is >= HttpStatusCode.InternalServerError;
}

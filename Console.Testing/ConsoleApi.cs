using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;

namespace Console.Testing;

/// <summary>
/// The REST calls tests and benchmarks make as a worker, an operator or automation would
/// (docs/api.md), on any <see cref="HttpClient"/> pointed at a console, with the product's own JSON.
/// A creation must answer 201 and a read or a poll 200, as the contract says; any other answer
/// throws an <see cref="HttpRequestException"/> with the status and body.
/// </summary>
public static class ConsoleApi
{
    /// <summary>A name no other test uses: <c>prefix-</c> and ten hex digits.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>
    /// A unique name for typing key by key into a form: every prefix of it is a valid name too.
    /// "keys-" is not one, and while the server catches up with the keys the form's button goes
    /// disabled for a moment, so an Enter pressed on it right after the typing is lost.
    /// </summary>
    public static string UniqueTypedName(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>A client for many callers at once: no proxy, long-lived pooled connections.</summary>
    public static HttpClient CreateHttpClient(Uri baseUrl, int maxConnections = int.MaxValue) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        })
        { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(120) };

    public static Task<WorkPoolDto> CreatePoolAsync(this HttpClient http, string name, string type = "process", int? concurrencyLimit = null,
        JsonObject? baseJobTemplate = null, CancellationToken ct = default) =>
        http.SendAsync<WorkPoolDto>(HttpMethod.Post, "/api/work-pools",
            new CreateWorkPoolRequest { Name = name, Type = type, ConcurrencyLimit = concurrencyLimit, BaseJobTemplate = baseJobTemplate }, HttpStatusCode.Created, ct);

    public static async Task SetPoolPausedAsync(this HttpClient http, string pool, bool paused, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.PostAsync(new Uri($"/api/work-pools/{pool}/{(paused ? "pause" : "resume")}", UriKind.Relative), null, ct);
        await EnsureAsync(response, null, ct);
    }

    /// <summary>A deployment of the flow <c>flow.sh</c> run as <paramref name="command"/> (none: the pool's default).</summary>
    public static Task<DeploymentDto> CreateDeploymentAsync(this HttpClient http, string pool, string flow, string name,
        JsonObject? jobVariables = null, string? command = "sh flow.sh", string? queue = null, int? concurrencyLimit = null, CancellationToken ct = default) =>
        http.SendAsync<DeploymentDto>(HttpMethod.Post, "/api/deployments", new CreateDeploymentRequest
        {
            FlowName = flow,
            Name = name,
            Entrypoint = "flow.sh",
            Command = command,
            WorkPoolName = pool,
            WorkQueueName = queue,
            JobVariables = jobVariables,
            ConcurrencyLimit = concurrencyLimit,
        }, HttpStatusCode.Created, ct);

    /// <summary>PATCH /api/deployments/{id} as JSON: the fields it names change, the rest stay (e.g. <c>{"timeoutSeconds": 2}</c>).</summary>
    public static Task<DeploymentDto> UpdateDeploymentAsync(this HttpClient http, Guid deployment, JsonObject patch, CancellationToken ct = default) =>
        http.SendAsync<DeploymentDto>(HttpMethod.Patch, $"/api/deployments/{deployment}", patch, HttpStatusCode.OK, ct);

    /// <summary>A deployment exactly as the request says (run policies and all).</summary>
    public static Task<DeploymentDto> CreateDeploymentAsync(this HttpClient http, CreateDeploymentRequest request, CancellationToken ct = default) =>
        http.SendAsync<DeploymentDto>(HttpMethod.Post, "/api/deployments", request, HttpStatusCode.Created, ct);

    /// <summary>A run's state timeline, every attempt's entries in order.</summary>
    public static async Task<IReadOnlyList<StateChangeDto>> HistoryAsync(this HttpClient http, Guid run, CancellationToken ct = default) =>
        await http.GetJsonAsync<List<StateChangeDto>>($"/api/flow-runs/{run}/history", ct);

    /// <param name="scheduledStartAt">Past: the run is due (Late once past the late threshold); future: it waits.</param>
    public static Task<FlowRunDto> CreateRunAsync(this HttpClient http, Guid deployment, JsonObject? parameters = null,
        DateTime? scheduledStartAt = null, CancellationToken ct = default) =>
        http.CreateRunAsync(deployment, new CreateFlowRunRequest { Parameters = parameters, ScheduledStartAt = scheduledStartAt }, ct);

    public static Task<FlowRunDto> CreateRunAsync(this HttpClient http, Guid deployment, CreateFlowRunRequest request, CancellationToken ct = default) =>
        http.SendAsync<FlowRunDto>(HttpMethod.Post, $"/api/deployments/{deployment}/runs", request, HttpStatusCode.Created, ct);

    /// <summary>A deployment of its own running <paramref name="command"/>, and one run of it.</summary>
    /// <param name="docker">On a Docker pool: the local test image only (no registry here).</param>
    public static async Task<FlowRunDto> RunAsync(this HttpClient http, string pool, string command, JsonObject? jobVariables = null,
        JsonObject? parameters = null, bool docker = true)
    {
        var variables = jobVariables ?? [];
        if (docker)
        {
            variables["image_pull_policy"] ??= "Never";
        }

        var deployment = await http.CreateDeploymentAsync(pool, "flow-" + Guid.NewGuid().ToString("N")[..8], "dep", variables, command);
        return await http.CreateRunAsync(deployment.Id, parameters);
    }

    /// <summary>A worker's poll; the default limit 0 only says "I am here" and claims nothing (null: the server's default).</summary>
    public static async Task<IReadOnlyList<FlowRunDto>> PollAsync(this HttpClient http, string pool, string worker, int? limit = 0,
        double? waitSeconds = 0, int? heartbeatIntervalSeconds = null, IReadOnlyList<string>? queues = null, CancellationToken ct = default) =>
        await http.SendAsync<List<FlowRunDto>>(HttpMethod.Post, $"/api/work-pools/{pool}/poll", new PollRequest
        {
            WorkerName = worker, Limit = limit, WaitSeconds = waitSeconds, HeartbeatIntervalSeconds = heartbeatIntervalSeconds, Queues = queues,
        }, HttpStatusCode.OK, ct);

    /// <summary>A worker's poll that claims what is due, up to <paramref name="limit"/> runs, without waiting.</summary>
    public static Task<IReadOnlyList<FlowRunDto>> ClaimAsync(this HttpClient http, string pool, string worker, int limit = 10, CancellationToken ct = default) =>
        http.PollAsync(pool, worker, limit, 0, ct: ct);

    public static async Task HeartbeatAsync(this HttpClient http, string pool, string worker, int? intervalSeconds = null, CancellationToken ct = default) =>
        await http.SendAsync(HttpMethod.Post, $"/api/work-pools/{pool}/workers/heartbeat",
            new HeartbeatRequest { Name = worker, HeartbeatIntervalSeconds = intervalSeconds }, ct);

    public static async Task SetStateAsync(this HttpClient http, Guid run, FlowRunState state, int? exitCode = null, string? message = null, CancellationToken ct = default) =>
        await http.SendAsync(HttpMethod.Post, $"/api/flow-runs/{run}/state",
            new SetStateRequest { State = state, ExitCode = exitCode, Message = message }, ct);

    /// <summary>Lines a worker reports for the run, on stdout.</summary>
    public static async Task LogAsync(this HttpClient http, Guid run, params string[] messages)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.PostAsJsonAsync(new Uri($"/api/flow-runs/{run}/logs", UriKind.Relative),
            messages.Select(m => new NewLogLine { Message = m, Stream = "stdout", Level = "info" }).ToList(), ConsoleJson.Options);
        await EnsureAsync(response, null, CancellationToken.None);
    }

    public static Task<T> GetJsonAsync<T>(this HttpClient http, string path, CancellationToken ct = default) =>
        http.SendAsync<T>(HttpMethod.Get, path, null, HttpStatusCode.OK, ct);

    public static Task<FlowRunDto> GetRunAsync(this HttpClient http, Guid id, CancellationToken ct = default) =>
        http.GetJsonAsync<FlowRunDto>($"/api/flow-runs/{id}", ct);

    public static async Task<IReadOnlyList<FlowRunDto>> ListRunsAsync(this HttpClient http, string pool, string? state, int limit, CancellationToken ct = default) =>
        await http.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?pool={pool}&limit={limit}" + (state is null ? "" : $"&state={state}"), ct);

    public static async Task<IReadOnlyList<LogLineDto>> LogsAsync(this HttpClient http, Guid id) =>
        await http.GetJsonAsync<List<LogLineDto>>($"/api/flow-runs/{id}/logs");

    /// <summary>What the run itself printed (the worker's own lines left out).</summary>
    public static async Task<IReadOnlyList<string>> OutputAsync(this HttpClient http, Guid id) =>
        [.. (await http.LogsAsync(id)).Where(l => l.Stream != "worker").Select(l => l.Message)];

    /// <summary>Polls answered and claim transactions so far (<c>console_claim_polls</c> on /metrics); zeros where the server has none.</summary>
    public static async Task<(double Polls, double Transactions)> ClaimTransactionsAsync(this HttpClient http, CancellationToken ct = default)
    {
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
        return (PrometheusText.TryValue(metrics, "console_claim_polls_sum") ?? 0, PrometheusText.TryValue(metrics, "console_claim_polls_count") ?? 0);
    }

    /// <summary>Claims and writes waiting at the server's claim gate now (<c>console_claim_gate_waiting</c> on /metrics); null where the server has none.</summary>
    public static async Task<double?> ClaimGateWaitingAsync(this HttpClient http, CancellationToken ct = default) =>
        PrometheusText.TryValue(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct), "console_claim_gate_waiting");

    public static async Task<IReadOnlyList<WorkerDto>> WorkersAsync(this HttpClient http, string pool, CancellationToken ct = default) =>
        await http.GetJsonAsync<List<WorkerDto>>($"/api/work-pools/{pool}/workers", ct);

    /// <summary>Waits until the run's state meets <paramref name="condition"/>; a server that is restarting meanwhile is waited for too.</summary>
    public static async Task<FlowRunDto> WaitForStateAsync(this HttpClient http, Guid id, Func<FlowRunState, bool> condition, string what, int timeoutSeconds = 60)
    {
        ArgumentNullException.ThrowIfNull(condition);
        FlowRunDto? run = null;
        await Wait.UntilAsync(async () =>
        {
            try
            {
                run = await http.GetRunAsync(id);
                return condition(run.State);
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, $"{what} (last state: {run?.State})", timeoutSeconds);
        return run!;
    }

    public static Task<FlowRunDto> WaitForStateAsync(this HttpClient http, Guid id, FlowRunState state, int timeoutSeconds = 60) =>
        http.WaitForStateAsync(id, s => s == state, $"run {id} to be {state}", timeoutSeconds);

    /// <summary>Sends <paramref name="body"/> as JSON; anything but <paramref name="expected"/> fails with the answer's text.</summary>
    public static async Task<T> SendAsync<T>(this HttpClient http, HttpMethod method, string path, object? body, HttpStatusCode expected, CancellationToken ct = default)
    {
        using var response = await http.SendCheckedAsync(method, path, body, expected, ct);
        return (await response.Content.ReadFromJsonAsync<T>(ConsoleJson.Options, ct))!;
    }

    private static async Task SendAsync(this HttpClient http, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await http.SendCheckedAsync(method, path, body, null, ct);
    }

    /// <param name="expected">The one status the contract answers with; null: any success.</param>
    private static async Task<HttpResponseMessage> SendCheckedAsync(this HttpClient http, HttpMethod method, string path, object? body,
        HttpStatusCode? expected, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: ConsoleJson.Options);
        }

        var response = await http.SendAsync(request, ct);
        try
        {
            await EnsureAsync(response, expected, ct);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode? expected, CancellationToken ct)
    {
        if (expected is { } status ? response.StatusCode != status : !response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException(
                $"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {body}", null, response.StatusCode);
        }
    }
}

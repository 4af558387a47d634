using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
namespace Console.Worker.Api;

/// <summary>
/// Typed client of the console's REST API. Transient failures are retried with backoff by the
/// resilience pipeline configured in <see cref="DependencyInjection"/>; what still fails surfaces as
/// an exception the caller classifies with <see cref="ConsoleApiException.IsTransient"/>.
/// </summary>
public sealed class ConsoleApiClient(HttpClient http) : IConsoleApi
{
    /// <summary>Every call but the long-poll gives up after this (the poll gets its wait on top).</summary>
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions Json = ConsoleJson.Options;

    public async Task<WorkPoolDto?> GetPoolAsync(string pool, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.GetAsync(PoolPath(pool), timeout.Token);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return await ReadAsync<WorkPoolDto>(response, timeout.Token);
    }

    public async Task<WorkPoolDto> CreatePoolAsync(string pool, string type, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        var request = new CreateWorkPoolRequest { Name = pool, Type = type };
        using var response = await http.PostAsJsonAsync("api/work-pools", request, Json, timeout.Token);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            // Another worker created it first: fine, use theirs.
            return await GetPoolAsync(pool, cancellationToken)
                ?? throw new ConsoleApiException(HttpStatusCode.NotFound, $"Work pool '{pool}' vanished right after it was created.");
        }

        return await ReadAsync<WorkPoolDto>(response, timeout.Token);
    }

    public async Task<HeartbeatAnswer?> HeartbeatAsync(string pool, HeartbeatRequest request, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.PostAsJsonAsync($"{PoolPath(pool)}/workers/heartbeat", request, Json, timeout.Token);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null; // nothing to say
        }

        return await ReadAsync<HeartbeatAnswer>(response, timeout.Token);
    }

    public async Task<PollResult> PollAsync(string pool, PollRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = Timeout(cancellationToken, TimeSpan.FromSeconds(request.WaitSeconds ?? 0));
        using var response = await http.PostAsJsonAsync($"{PoolPath(pool)}/poll", request, Json, timeout.Token);
        var runs = await ReadAsync<List<FlowRunDto>>(response, timeout.Token);
        var tag = response.Headers.TryGetValues(PollAnswerHeaders.PoolTemplate, out var values) ? values.FirstOrDefault() : null;
        return new PollResult(runs, tag);
    }

    public async Task<FlowRunDto> SetStateAsync(Guid flowRunId, SetStateRequest request, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.PostAsJsonAsync($"api/flow-runs/{flowRunId}/state", request, Json, timeout.Token);
        return await ReadAsync<FlowRunDto>(response, timeout.Token);
    }

    public async Task<FlowRunDto?> GetRunAsync(Guid flowRunId, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.GetAsync($"api/flow-runs/{flowRunId}", timeout.Token);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return await ReadAsync<FlowRunDto>(response, timeout.Token);
    }

    public async Task<IReadOnlyList<FlowRunDto>> ListRunsAsync(string pool, string worker, FlowRunState? state, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        var query = $"api/flow-runs?pool={Uri.EscapeDataString(pool)}&worker={Uri.EscapeDataString(worker)}";
        if (state is not null)
        {
            query += $"&state={state}";
        }

        using var response = await http.GetAsync(query, timeout.Token);
        return await ReadAsync<List<FlowRunDto>>(response, timeout.Token);
    }

    public async Task PostLogsAsync(Guid flowRunId, IReadOnlyList<NewLogLine> lines, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.PostAsJsonAsync($"api/flow-runs/{flowRunId}/logs", lines, Json, timeout.Token);
        await EnsureSuccessAsync(response, timeout.Token);
    }

    public async Task<IReadOnlyList<LogLineDto>> GetLogsAsync(Guid flowRunId, long after, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.GetAsync($"api/flow-runs/{flowRunId}/logs?after={after}", timeout.Token);
        return await ReadAsync<List<LogLineDto>>(response, timeout.Token);
    }

    public async Task<ReconcileAnswer> ReconcileAsync(string pool, ReconcileRequest request, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.PostAsJsonAsync($"{PoolPath(pool)}/infrastructure/reconcile", request, Json, timeout.Token);
        return await ReadAsync<ReconcileAnswer>(response, timeout.Token);
    }

    public async Task<ReleasedAnswer> ReportReleasedAsync(string pool, ReleasedRequest request, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.PostAsJsonAsync($"{PoolPath(pool)}/infrastructure/released", request, Json, timeout.Token);
        return await ReadAsync<ReleasedAnswer>(response, timeout.Token);
    }

    public async Task<RunTokenDto> IssueRunTokenAsync(Guid flowRunId, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var response = await http.PostAsync($"api/flow-runs/{flowRunId}/token", content: null, timeout.Token);
        return await ReadAsync<RunTokenDto>(response, timeout.Token);
    }

    private static string PoolPath(string pool) => $"api/work-pools/{Uri.EscapeDataString(pool)}";

    private static CancellationTokenSource Timeout(CancellationToken cancellationToken, TimeSpan extra = default)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(RequestTimeout + extra);
        return cts;
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new ConsoleApiException(response.StatusCode, "The server answered with an empty body.");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new ConsoleApiException(response.StatusCode, Describe(response, body));
    }

    private static string Describe(HttpResponseMessage response, string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            foreach (var field in new[] { "detail", "title" })
            {
                if (problem.RootElement.ValueKind == JsonValueKind.Object
                    && problem.RootElement.TryGetProperty(field, out var value)
                    && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // not a problem document: fall through to the status line
        }

        return $"{(int)response.StatusCode} {response.ReasonPhrase}{(body.Length is > 0 and < 500 ? ": " + body : string.Empty)}";
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Cli.Hosting;
using Console.Contracts.Common;
namespace Console.Cli.Api;

/// <summary>
/// The CLI's REST client. Answers stay raw JSON (<see cref="JsonNode"/>) so that
/// <c>--output json</c> prints what the server sent; callers read typed contracts with <see cref="As{T}"/>.
/// </summary>
public sealed class ApiClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http;

    public ApiClient(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        BaseUrl = context.ApiUrl;
        _http = new HttpClient { BaseAddress = new Uri(BaseUrl + "/"), Timeout = RequestTimeout };
        if (context.ApiKey is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", context.ApiKey);
        }
    }

    public string BaseUrl { get; }

    public static string Segment(string value) => Uri.EscapeDataString(value);

    public static T As<T>(JsonNode? node) =>
        node.Deserialize<T>(ConsoleJson.Options) ?? throw new InvalidOperationException($"The server answered without a {typeof(T).Name}.");

    public Task<JsonNode?> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonNode?> PostAsync(string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    /// <summary>A POST with extra request headers (e.g. <c>Idempotency-Key</c>).</summary>
    public Task<JsonNode?> PostAsync(string path, object? body, IReadOnlyDictionary<string, string> headers, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, body, ct, headers);

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Pauses before each resend of an idempotent POST: three resends within about 7 s.</summary>
    private static readonly TimeSpan[] ResendDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    /// <summary>
    /// A POST the server makes idempotent with an <c>Idempotency-Key</c> (creating a run): sent with
    /// <paramref name="key"/>, or a new random key, and sent again with the same key when its answer
    /// is lost on the way (502, 503, 504, no connection, no answer in time, e.g. a replica killed
    /// behind a balancer). The server answers a repeat with the run the first request made, so a
    /// resend never creates a second one.
    /// </summary>
    public async Task<JsonNode?> PostIdempotentAsync(string path, object? body, string? key, CancellationToken ct)
    {
        var headers = new Dictionary<string, string> { [IdempotencyKeyHeader] = key ?? Guid.NewGuid().ToString("N") };
        for (var resend = 0; ; resend++)
        {
            try
            {
                return await PostAsync(path, body, headers, ct);
            }
            catch (Exception ex) when (resend < ResendDelays.Length && IsLostAnswer(ex))
            {
                await Task.Delay(ResendDelays[resend], ct);
            }
        }
    }

    private static bool IsLostAnswer(Exception ex) =>
        ex is ServerUnreachableException or ApiProblemException { Status: 502 or 503 or 504 };

    public Task<JsonNode?> PatchAsync(string path, object body, CancellationToken ct) => SendAsync(HttpMethod.Patch, path, body, ct);

    public Task<JsonNode?> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    public async Task<T> GetAsync<T>(string path, CancellationToken ct) => As<T>(await GetAsync(path, ct));

    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        if (body is not null)
        {
            var json = body is JsonNode node ? node.ToJsonString() : JsonSerializer.Serialize(body, body.GetType(), ConsoleJson.Options);
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ServerUnreachableException(BaseUrl, Reason(ex), ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new ServerUnreachableException(BaseUrl, $"no answer within {RequestTimeout.TotalSeconds:0} s", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw Problem(response, text);
            }

            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Reason(HttpRequestException ex) => ex.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused (is the console running?)",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => "unknown host",
        SocketException socket => socket.Message,
        _ => ex.Message,
    };

    private static ApiProblemException Problem(HttpResponseMessage response, string text)
    {
        var status = (int)response.StatusCode;
        string? title = null;
        string? detail = null;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        try
        {
            if (JsonNode.Parse(text) is JsonObject problem)
            {
                title = problem["title"]?.GetValueKind() == JsonValueKind.String ? problem["title"]!.GetValue<string>() : null;
                detail = problem["detail"]?.GetValueKind() == JsonValueKind.String ? problem["detail"]!.GetValue<string>() : null;
                if (problem["errors"] is JsonObject fields)
                {
                    foreach (var (field, messages) in fields)
                    {
                        errors[field] = messages is JsonArray list
                            ? [.. list.Select(m => m?.ToString() ?? string.Empty)]
                            : [messages?.ToString() ?? string.Empty];
                    }
                }
            }
        }
        catch (JsonException)
        {
            detail = text.Length is > 0 and < 500 ? text : null;
        }

        title ??= response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => $"Unauthorized: set {CliEnvironment.ApiKeyVariable} to a valid API key",
            HttpStatusCode.Forbidden => "Forbidden: the API key may not do this",
            _ => $"{status} {response.ReasonPhrase}",
        };
        return new ApiProblemException(status, title, detail, errors);
    }
}

using System.Net;

namespace Console.Bench.Infra;

/// <summary>
/// An API client that speaks cleartext HTTP/2 (prior knowledge) to <see cref="BenchServer.Http2Url"/>:
/// every request is HTTP/2 whatever its message says, and streams beyond a connection's limit
/// (Kestrel's default, 100) open another connection instead of queueing.
/// </summary>
internal static class Http2Client
{
    public static HttpClient Create(Uri baseUrl) =>
        new(new ForceHttp2(new SocketsHttpHandler
        {
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        }))
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(120),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

    /// <summary>The API helpers build their own request messages, which default to HTTP/1.1.</summary>
    private sealed class ForceHttp2(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

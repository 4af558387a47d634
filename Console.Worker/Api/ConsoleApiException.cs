using System.Net;
using Polly;

namespace Console.Worker.Api;

/// <summary>The server answered with an error status; <see cref="Message"/> is its problem detail.</summary>
public sealed class ConsoleApiException(HttpStatusCode statusCode, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public bool IsConflict => StatusCode == HttpStatusCode.Conflict;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>True for failures worth retrying later: the server is down, overloaded or timed out.</summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken = default) => exception switch
    {
        ConsoleApiException api => (int)api.StatusCode >= 500 || api.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        HttpRequestException or ExecutionRejectedException or IOException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };
}

using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;

namespace Console.Projects.Images;

/// <summary>How the Docker engine's failures read, for the image builder and the worker's Docker and Swarm runs alike.</summary>
public static class DockerErrors
{
    /// <summary>The engine itself is away (socket gone, connection refused, timed out), as opposed to refusing a request.</summary>
    public static bool IsEngineUnreachable(Exception exception, CancellationToken callerToken) => exception switch
    {
        DockerApiException => false,
        HttpRequestException or SocketException or IOException or TimeoutException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => exception.InnerException is { } inner && IsEngineUnreachable(inner, callerToken),
    };

    /// <summary>The engine's own message ("No such image: ...") rather than the raw JSON body.</summary>
    public static string Describe(DockerApiException exception)
    {
        var body = exception.ResponseBody;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("message", out var message)
                    && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString()!.Trim();
                }
            }
            catch (JsonException)
            {
                return body.Trim();
            }
        }

        return exception.Message;
    }
}

/// <summary>Reports progress on the caller's thread: <see cref="Progress{T}"/> would post it after the call returned.</summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

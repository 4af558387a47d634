namespace Console.Cli.Api;

/// <summary>The server answered with an RFC 7807 problem (or another error status).</summary>
public sealed class ApiProblemException(
    int status, string title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    : Exception(detail ?? title)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public bool IsNotFound => Status == 404;
}

/// <summary>Nothing answers at the API address (refused, unknown host, timed out).</summary>
public sealed class ServerUnreachableException(string url, string reason, Exception? inner = null)
    : Exception($"Cannot reach the console at {url}: {reason}", inner)
{
    public string Url { get; } = url;

    public string Reason { get; } = reason;
}

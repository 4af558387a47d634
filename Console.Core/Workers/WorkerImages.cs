using System.Collections.Concurrent;
using Console.Contracts.Common;

namespace Console.Core.Workers;

/// <summary>
/// The images each worker's engine holds, as its last heartbeat listed them (docker workers send
/// them; other types send none). Kept in this server's memory only: a server that has not received
/// a worker's list since it started (or another replica received it) simply does not know, and
/// preflight then says so instead of failing.
/// </summary>
public sealed class WorkerImages(TimeProvider time)
{
    /// <summary>The most names one heartbeat may carry; a worker with more sends its newest.</summary>
    public const int MaxImages = 1000;

    public const int MaxNameLength = 512;

    // Bounded so heartbeats under ever new worker names cannot grow memory without end.
    private const int MaxWorkers = 10_000;

    private readonly ConcurrentDictionary<(string Pool, string Worker), WorkerImageReport> _reports = new();

    /// <summary>Refuses (400) a list that is too long or holds an empty or overlong name.</summary>
    public static void Validate(IReadOnlyList<string>? images)
    {
        if (images is null)
        {
            return;
        }

        if (images.Count > MaxImages)
        {
            throw new InvalidRequestException("images", $"A heartbeat lists at most {MaxImages} images.");
        }

        if (images.Any(i => string.IsNullOrWhiteSpace(i) || i.Length > MaxNameLength))
        {
            throw new InvalidRequestException("images", $"Each image must be a name of 1-{MaxNameLength} characters.");
        }
    }

    /// <summary>Keeps the worker's list; null (a worker that lists nothing) keeps what was known.</summary>
    public void Record(string pool, string worker, IReadOnlyList<string>? images)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(worker);
        Validate(images);
        if (images is null || (_reports.Count >= MaxWorkers && !_reports.ContainsKey((pool, worker))))
        {
            return;
        }

        var names = new HashSet<string>(images.Select(ImageNames.Normalize), StringComparer.Ordinal);
        _reports[(pool, worker)] = new WorkerImageReport(names, time.GetUtcNow().UtcDateTime);
    }

    public WorkerImageReport? Of(string pool, string worker) => _reports.TryGetValue((pool, worker), out var report) ? report : null;
}

public sealed record WorkerImageReport(IReadOnlySet<string> Images, DateTime ReportedAt)
{
    public bool Holds(string image) => Images.Contains(ImageNames.Normalize(image));
}

/// <summary>Image references as Docker compares them: <c>alpine</c> = <c>alpine:latest</c> = <c>docker.io/library/alpine:latest</c>.</summary>
public static class ImageNames
{
    public static string Normalize(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var name = image.Trim();
        foreach (var prefix in (string[])["docker.io/", "index.docker.io/", "registry-1.docker.io/"])
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                name = name[prefix.Length..];
                break;
            }
        }

        if (name.StartsWith("library/", StringComparison.Ordinal) && name.IndexOf('/', 8) < 0)
        {
            name = name[8..];
        }

        var at = name.IndexOf('@', StringComparison.Ordinal);
        var lastPart = at >= 0 ? name[..at] : name;
        return at < 0 && lastPart.LastIndexOf(':') <= lastPart.LastIndexOf('/') ? name + ":latest" : name;
    }
}

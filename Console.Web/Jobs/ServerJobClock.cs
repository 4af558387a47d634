using System.Globalization;
using Hangfire;

namespace Console.Web.Jobs;

/// <summary>How one server job is doing: when it last ran (on any replica) and whether that is overdue.</summary>
/// <param name="SecondsSinceRun">Since its last pass, or since this replica started when that was later.</param>
public sealed record ServerJobStatus(string Id, string Title, int IntervalSeconds, DateTime? LastRunAt, double SecondsSinceRun, bool Overdue)
{
    public string Status => Overdue ? "Degraded" : "Healthy";
}

/// <summary>
/// When each recurring server job last finished a pass, kept in Hangfire's storage (a hash): with
/// PostgreSQL storage that is the shared database, so every replica sees the passes any replica
/// ran; with the in-memory storage of a single node, that node's own. A job is overdue once it has
/// not run for <see cref="ServerJobs.OverdueIntervals"/> of its intervals, counted from this
/// replica's start when it has not run since (a replica that just started gives the jobs time).
/// </summary>
public sealed class ServerJobClock(JobStorage storage, ServerStart serverStart, TimeProvider time)
{
    private const string Hash = "console:server-jobs:last-run";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    private readonly Lock _gate = new();
    private (DateTime At, IReadOnlyList<ServerJobStatus> Statuses)? _cached;

    public void Record(ServerJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var now = time.GetUtcNow().UtcDateTime;
        using var connection = storage.GetConnection();
        connection.SetRangeInHash(Hash, [new(job.Id, now.ToString("O", CultureInfo.InvariantCulture))]);
        lock (_gate)
        {
            _cached = null;
        }
    }

    /// <summary>Every job's status; read from the storage at most every two seconds (health checks and scrapes come often).</summary>
    public IReadOnlyList<ServerJobStatus> Current()
    {
        var now = time.GetUtcNow().UtcDateTime;
        lock (_gate)
        {
            if (_cached is { } cached && now - cached.At < CacheFor)
            {
                return cached.Statuses;
            }
        }

        Dictionary<string, string>? stamps;
        using (var connection = storage.GetConnection())
        {
            stamps = connection.GetAllEntriesFromHash(Hash);
        }

        var statuses = ServerJobs.All.Select(job =>
        {
            DateTime? last = stamps is not null && stamps.TryGetValue(job.Id, out var text)
                && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
                ? parsed.ToUniversalTime()
                : null;
            var since = last is { } l && l > serverStart.At ? l : serverStart.At;
            var overdue = now - since > job.Interval * ServerJobs.OverdueIntervals;
            return new ServerJobStatus(job.Id, job.Title, (int)job.Interval.TotalSeconds, last, (now - since).TotalSeconds, overdue);
        }).ToList();
        lock (_gate)
        {
            _cached = (now, statuses);
        }

        return statuses;
    }
}

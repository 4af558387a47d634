namespace Console.Worker.Infrastructure.Swarm;

/// <summary>
/// Passes each stream's lines on once. A service's log stream is read more than once (the follow
/// stream while the job runs, then a plain read for the tail the follow stream had not delivered
/// when the task ended, and again after an engine outage), so every line at or before the last
/// one shipped on its stream is dropped. Each stream keeps its own cursor: the engine delivers
/// each in order, but not the two interleaved by time.
/// </summary>
internal sealed class SwarmLogCursor(ILogSink inner, DateTime? after) : ILogSink
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTime?> _cursors = new(StringComparer.Ordinal) { ["stdout"] = after, ["stderr"] = after };

    /// <summary>Where a re-read may start: the older of the two cursors (null: from the beginning).</summary>
    public DateTime? ResumeFrom
    {
        get
        {
            lock (_lock)
            {
                return _cursors.Values.Any(c => c is null) ? null : _cursors.Values.Min();
            }
        }
    }

    public void Write(string stream, string message, DateTime? timestamp = null, string level = "info")
    {
        lock (_lock)
        {
            if (timestamp is { } ts && _cursors.TryGetValue(stream, out var cursor))
            {
                if (cursor is { } last && ts <= last)
                {
                    return;
                }

                _cursors[stream] = ts;
            }

            inner.Write(stream, message, timestamp, level);
        }
    }
}

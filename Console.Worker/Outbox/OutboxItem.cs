using Console.Contracts;

namespace Console.Worker.Outbox;

/// <summary>One report waiting for the server: a state change or a batch of log lines of one run.</summary>
public sealed record OutboxItem
{
    public long Seq { get; init; }

    public Guid RunId { get; init; }

    public SetStateRequest? State { get; init; }

    public List<NewLogLine>? Logs { get; init; }
}

/// <summary>What became of a queued state report.</summary>
public enum ReportOutcome
{
    /// <summary>The server accepted it.</summary>
    Delivered,

    /// <summary>The server's rules refused the transition (409), e.g. the run was cancelled meanwhile.</summary>
    Refused,

    /// <summary>Given up: the run no longer exists or the server rejected the request as malformed.</summary>
    Dropped,
}

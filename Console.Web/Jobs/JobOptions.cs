using System.ComponentModel.DataAnnotations;

namespace Console.Web.Jobs;

/// <summary>The server's periodic jobs (section "Jobs").</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    public bool Enabled { get; set; } = true;

    /// <summary>How far ahead the scheduler materialises schedule occurrences as Scheduled runs.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int ScheduleHorizonSeconds { get; set; } = 3600;

    /// <summary>At most this many future runs per deployment schedule, whatever the horizon.</summary>
    [Range(1, 10_000)]
    public int MaxScheduledRunsPerSchedule { get; set; } = 100;

    /// <summary>
    /// The server's timeout backstop: a run still Running this long past its deployment's
    /// timeoutSeconds (its worker should have stopped it and reported TimedOut) is ended TimedOut.
    /// </summary>
    [Range(0, 86_400)]
    public int TimeoutGraceSeconds { get; set; } = 30;

    /// <summary>Ended runs and their logs are deleted after this many days.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;

    public const int DefaultLockTimeoutSeconds = 30;

    /// <summary>
    /// After how long a Hangfire lock row on PostgreSQL counts as abandoned (its holder was killed)
    /// and is taken over: the longest pause of the server jobs after a replica dies (ADR 0006).
    /// </summary>
    [Range(5, 600)]
    public int LockTimeoutSeconds { get; set; } = DefaultLockTimeoutSeconds;
}

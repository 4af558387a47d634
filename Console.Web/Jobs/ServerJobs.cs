using Hangfire;

namespace Console.Web.Jobs;

/// <summary>One recurring server job: its Hangfire id, cron, the interval the cron gives and its name for people.</summary>
public sealed record ServerJob(string Id, string Cron, TimeSpan Interval, string Title, Type JobType);

/// <summary>
/// The server's recurring jobs, in one place: registration, the runner that records each pass and
/// the health check that watches them all read this list.
/// </summary>
public static class ServerJobs
{
    public static readonly ServerJob Scheduler = new("scheduler", "*/10 * * * * *", TimeSpan.FromSeconds(10), "scheduler", typeof(SchedulerJob));

    public static readonly ServerJob Foreman = new("foreman", "*/5 * * * * *", TimeSpan.FromSeconds(5), "foreman", typeof(ForemanJob));

    public static readonly ServerJob LeaseReaper = new("lease-reaper", "*/10 * * * * *", TimeSpan.FromSeconds(10), "lease reaper", typeof(LeaseReaperJob));

    public static readonly ServerJob RunTimeouts = new("run-timeouts", "*/5 * * * * *", TimeSpan.FromSeconds(5), "run timeouts", typeof(RunTimeoutJob));

    public static readonly ServerJob Retention = new("retention", Cron.Hourly(), TimeSpan.FromHours(1), "retention", typeof(RetentionJob));

    /// <summary>The automations' dispatcher: every second, so a webhook leaves within about a second of its event.</summary>
    public static readonly ServerJob Automations = new("automations", "* * * * * *", TimeSpan.FromSeconds(1), "automations dispatcher", typeof(AutomationsJob));

    public static readonly ServerJob TimedTriggers = new("timed-triggers", "*/5 * * * * *", TimeSpan.FromSeconds(5), "timed triggers", typeof(TimedTriggersJob));

    public static IReadOnlyList<ServerJob> All { get; } = [Scheduler, Foreman, LeaseReaper, RunTimeouts, Retention, Automations, TimedTriggers];

    /// <summary>A job is overdue (degraded) once it has not run for this many of its intervals.</summary>
    public const int OverdueIntervals = 3;

    public static ServerJob? Find(string id) => All.FirstOrDefault(j => string.Equals(j.Id, id, StringComparison.Ordinal));
}

using Hangfire;

namespace Console.Web.Jobs;

/// <summary>
/// What Hangfire calls for every recurring job: runs the job named by its id, then records when it
/// ran (<see cref="ServerJobClock"/>), so every replica can tell a job that stopped running.
/// </summary>
public sealed partial class ServerJobRunner(IServiceProvider services, ServerJobClock clock, ILogger<ServerJobRunner> logger)
{
    // No automatic retries: the next occurrence is seconds away, and a retried pass would run late.
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(string jobId, CancellationToken ct)
    {
        var job = ServerJobs.Find(jobId) ?? throw new ArgumentException($"Unknown server job '{jobId}'.", nameof(jobId));
        switch (services.GetRequiredService(job.JobType))
        {
            case SchedulerJob scheduler:
                await scheduler.RunAsync(ct);
                break;
            case ForemanJob foreman:
                await foreman.RunAsync(ct);
                break;
            case LeaseReaperJob reaper:
                await reaper.RunAsync(ct);
                break;
            case RunTimeoutJob timeouts:
                await timeouts.RunAsync(ct);
                break;
            case RetentionJob retention:
                await retention.RunAsync(ct);
                break;
            case AutomationsJob automations:
                await automations.RunAsync(ct);
                break;
            case TimedTriggersJob triggers:
                await triggers.RunAsync(ct);
                break;
            default:
                throw new InvalidOperationException($"Server job '{jobId}' has no runner case for {job.JobType.Name}.");
        }

        try
        {
            clock.Record(job);
        }
#pragma warning disable CA1031 // The pass itself succeeded; a missed stamp only shows as overdue if it lasts.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRecordFailed(logger, ex, job.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record the run of server job {Job}")]
    private static partial void LogRecordFailed(ILogger logger, Exception ex, string job);
}

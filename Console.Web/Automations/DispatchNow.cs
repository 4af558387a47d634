using Console.Web.Jobs;
using Hangfire;

namespace Console.Web.Automations;

public static class DispatchNow
{
    /// <summary>Runs the dispatcher now rather than at its next tick (after a Test, whose sender waits for it).</summary>
    public static void Kick(this IBackgroundJobClient jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        jobs.Enqueue<AutomationsJob>(j => j.RunAsync(CancellationToken.None));
    }
}

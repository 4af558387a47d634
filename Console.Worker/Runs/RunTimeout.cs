using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Worker.Infrastructure;

namespace Console.Worker.Runs;

/// <summary>The deployment's <c>timeoutSeconds</c>, enforced by the worker that runs the attempt.</summary>
public static class RunTimeout
{
    /// <summary>
    /// True once the run has been Running for its timeout (counted from its start, so an adopted run
    /// keeps its deadline). A run without a timeout waits until <paramref name="cancellationToken"/>
    /// ends; then, as whenever the token ends first, the answer is false.
    /// </summary>
    public static async Task<bool> ExpiresAsync(FlowRunDto run, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(time);
        if (run.TimeoutSeconds is not > 0)
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // the run ended first
            }

            return false;
        }

        // StartedAt belongs to this attempt only once the run is Running again (an adopted run); a claimed run starts now.
        var now = time.GetUtcNow().UtcDateTime;
        var started = run.State is FlowRunState.Running or FlowRunState.Cancelling && run.StartedAt is { } s && s <= now ? s : now;
        var remaining = started.AddSeconds(run.TimeoutSeconds.Value) - now;
        try
        {
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining, time, cancellationToken);
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>How a timed-out run ends: TimedOut with a message saying so (retried if the deployment retries TimedOut).</summary>
    public static SetStateRequest Outcome(FlowRunDto run, RunExit exit)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(exit);
        return new SetStateRequest
        {
            State = FlowRunState.TimedOut,
            ExitCode = exit.ExitCode,
            Message = $"Timed out: the run was still running after {run.TimeoutSeconds} s (timeoutSeconds), so the worker stopped it.",
        };
    }
}

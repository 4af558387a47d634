using System.Globalization;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;

namespace Console.Core.FlowRuns;

/// <summary>
/// The one place retries are decided (docs/decisions/0005-retries-decided-on-the-server.md): every
/// path that ends a run (a worker's report, the lease reaper's Crashed, the server's timeout)
/// goes through <see cref="FlowRunService"/>, which asks this whether the end is final.
/// </summary>
public static class RunRetries
{
    /// <summary>1 + the most retries a policy may ask for.</summary>
    public const int MaxAttempts = 101;

    /// <summary>The policy a new run carries (a copy: later changes to the deployment do not move it) and its attempt budget.</summary>
    public static (int MaxAttempts, string? Policy) ForNewRun(RetryPolicyDto? policy) =>
        policy is null ? (1, null) : (1 + policy.MaxRetries, ConsoleJson.Serialize(policy));

    /// <summary>
    /// Called right after the run entered a final state from <paramref name="left"/>: when its
    /// policy retries that state and attempts are left, moves it to AwaitingRetry for its next
    /// attempt and returns true. A run that ended while Cancelling is never retried, however it
    /// ended (Failed, Crashed, TimedOut): someone asked for it to stop. The attempt number is
    /// raised here, not at the claim, so from this moment a report of the attempt that ended is
    /// refused (409) and the run says which attempt it waits for.
    /// </summary>
    public static bool TryRetry(FlowRun run, FlowRunState left, DateTime now, Random random)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(random);
        if (left == FlowRunState.Cancelling || !FlowRunStates.Retryable.Contains(run.State) || run.Attempt >= run.MaxAttempts
            || run.RetryPolicy is null || ConsoleJson.Deserialize<RetryPolicyDto>(run.RetryPolicy) is not { } policy
            || !policy.On.Contains(run.State))
        {
            return false;
        }

        var ended = run.State;
        var delay = Delay(policy, run.Attempt, random);
        var exit = run.ExitCode is { } code ? string.Create(CultureInfo.InvariantCulture, $" (exit code {code})") : "";
        var why = string.IsNullOrWhiteSpace(run.StateMessage) ? "" : $" {run.StateMessage.TrimEnd('.')}.";
        run.State = FlowRunState.AwaitingRetry;
        run.StateMessage = $"Attempt {run.Attempt} of {run.MaxAttempts} ended {ended}{exit}.{why} Attempt {run.Attempt + 1} starts after {Durations.Format(delay)}.";
        run.Attempt++;
        run.NextAttemptAt = now + delay;
        run.EndedAt = null;
        run.StartedAt = null;
        run.ExitCode = null;
        run.ClaimedAt = null;
        run.UpdatedAt = now;
        if (run.InfrastructureHeldSince is null)
        {
            // Nothing of the ended attempt may still run: any worker may take the next one.
            run.WorkerName = null;
            run.InfrastructureId = null;
        }

        // Else the lease reaper ended the attempt while its infrastructure may still run: the run
        // keeps its worker and infrastructure id (fencing finds and releases them by these) and is
        // not claimed until a worker confirms that infrastructure gone or the hold bound passes.
        return true;
    }

    /// <summary><c>delaySeconds * backoffFactor^(attempt-1)</c>, moved at random by up to <c>jitterPercent</c> of itself; never negative.</summary>
    public static TimeSpan Delay(RetryPolicyDto policy, int endedAttempt, Random random)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(random);
        var seconds = policy.DelaySeconds * Math.Pow(policy.BackoffFactor, Math.Max(0, endedAttempt - 1));
        if (policy.JitterPercent > 0)
        {
            seconds += seconds * policy.JitterPercent / 100.0 * ((random.NextDouble() * 2) - 1);
        }

        // A week at most, whatever the factor made of it: the policy's ranges allow 100^100.
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 7 * 86_400));
    }
}

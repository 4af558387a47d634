using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;

namespace Console.Core.Deployments;

/// <summary>The ranges of a deployment's run policies (docs/api.md, "Run policies"), checked on create and PATCH.</summary>
public static class RunPolicyRules
{
    public const int MaxRetries = 100;

    /// <summary>A day: a longer wait is a schedule, not a retry.</summary>
    public const int MaxDelaySeconds = 86_400;

    public const double MaxBackoffFactor = 100;

    /// <summary>A week.</summary>
    public const int MaxTimeoutSeconds = 7 * 86_400;

    public const int MaxSkipAfterSeconds = 30 * 86_400;

    public const int MaxScheduledLimit = 10_000;

    public static void ValidateRetries(RetryPolicyDto? retries)
    {
        if (retries is null)
        {
            return;
        }

        if (retries.MaxRetries is < 0 or > MaxRetries)
        {
            throw new InvalidRequestException("retries.maxRetries", $"maxRetries is 0 to {MaxRetries}.");
        }

        if (retries.DelaySeconds is < 0 or > MaxDelaySeconds)
        {
            throw new InvalidRequestException("retries.delaySeconds", $"delaySeconds is 0 to {MaxDelaySeconds} (a day).");
        }

        if (double.IsNaN(retries.BackoffFactor) || retries.BackoffFactor < 1 || retries.BackoffFactor > MaxBackoffFactor)
        {
            throw new InvalidRequestException("retries.backoffFactor", $"backoffFactor is 1 to {MaxBackoffFactor:0}.");
        }

        if (retries.JitterPercent is < 0 or > 100)
        {
            throw new InvalidRequestException("retries.jitterPercent", "jitterPercent is 0 to 100.");
        }

        if (retries.On is null || retries.On.Count == 0)
        {
            throw new InvalidRequestException("retries.on", "Name at least one state to retry: Failed, Crashed or TimedOut.");
        }

        for (var i = 0; i < retries.On.Count; i++)
        {
            if (!FlowRunStates.Retryable.Contains(retries.On[i]))
            {
                throw new InvalidRequestException($"retries.on[{i}]",
                    $"{retries.On[i]} is never retried: the states that may be are Failed, Crashed and TimedOut.");
            }
        }
    }

    public static void ValidateTimeout(int? timeoutSeconds)
    {
        if (timeoutSeconds is < 1 or > MaxTimeoutSeconds)
        {
            throw new InvalidRequestException("timeoutSeconds", $"timeoutSeconds is 1 to {MaxTimeoutSeconds} (a week), or null for no limit.");
        }
    }

    public static void ValidateLatePolicy(LatePolicyDto? late)
    {
        if (late is null)
        {
            return;
        }

        if (late.SkipAfterSeconds is < 1 or > MaxSkipAfterSeconds)
        {
            throw new InvalidRequestException("latePolicy.skipAfterSeconds", $"skipAfterSeconds is 1 to {MaxSkipAfterSeconds} (30 days), or null.");
        }

        if (late.MaxScheduled is < 1 or > MaxScheduledLimit)
        {
            throw new InvalidRequestException("latePolicy.maxScheduled", $"maxScheduled is 1 to {MaxScheduledLimit}, or null.");
        }
    }

    /// <summary>CancelNew cancels against the deployment's own limit: without one it would never apply.</summary>
    public static void ValidateCollision(CollisionStrategy strategy, int? concurrencyLimit)
    {
        if (!Enum.IsDefined(strategy))
        {
            throw new InvalidRequestException("collisionStrategy", "collisionStrategy is Enqueue or CancelNew.");
        }

        if (strategy == CollisionStrategy.CancelNew && concurrencyLimit is null)
        {
            throw new UnprocessableException("collisionStrategy", "CancelNew needs the deployment's concurrencyLimit: set one, or use Enqueue.");
        }
    }

    /// <summary>The policy as stored: the states deduplicated and in their declared order.</summary>
    public static RetryPolicyDto Normalize(RetryPolicyDto retries)
    {
        ArgumentNullException.ThrowIfNull(retries);
        return retries with { On = [.. retries.On.Distinct().Order()] };
    }
}

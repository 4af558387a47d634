using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;

namespace Console.Web.Components.Deployments;

/// <summary>
/// A deployment's run policies as a form edits them (the deployment page and the wizard): retries,
/// timeout, late policy, concurrency limit and collision strategy, with the REST defaults shown.
/// The server checks them again; its errors land on the group they name.
/// </summary>
public sealed class RunPoliciesModel
{
    public const string RetriesKey = "retries";
    public const string TimeoutKey = "timeoutSeconds";
    public const string LateKey = "latePolicy";
    public const string ConcurrencyKey = "concurrencyLimit";

    private static readonly RetryPolicyDto Defaults = new();

    public int MaxRetries { get; set; }

    public int DelaySeconds { get; set; } = Defaults.DelaySeconds;

    public double BackoffFactor { get; set; } = Defaults.BackoffFactor;

    public int JitterPercent { get; set; } = Defaults.JitterPercent;

    public HashSet<FlowRunState> RetryOn { get; } = [.. Defaults.On];

    public int? TimeoutSeconds { get; set; }

    public int? SkipAfterSeconds { get; set; }

    public int? MaxScheduled { get; set; }

    public int? ConcurrencyLimit { get; set; }

    public CollisionStrategy CollisionStrategy { get; set; }

    /// <summary>Errors by group (<see cref="RetriesKey"/>, <see cref="TimeoutKey"/>, ...).</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public string? Error(string key) => Errors.GetValueOrDefault(key);

    public static RunPoliciesModel From(DeploymentDto deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var model = new RunPoliciesModel
        {
            TimeoutSeconds = deployment.TimeoutSeconds,
            SkipAfterSeconds = deployment.LatePolicy?.SkipAfterSeconds,
            MaxScheduled = deployment.LatePolicy?.MaxScheduled,
            ConcurrencyLimit = deployment.ConcurrencyLimit,
            CollisionStrategy = deployment.CollisionStrategy,
        };
        if (deployment.Retries is { } retries)
        {
            model.MaxRetries = retries.MaxRetries;
            model.DelaySeconds = retries.DelaySeconds;
            model.BackoffFactor = retries.BackoffFactor;
            model.JitterPercent = retries.JitterPercent;
            model.RetryOn.Clear();
            model.RetryOn.UnionWith(retries.On);
        }

        return model;
    }

    /// <summary>No retries is no policy (null), so a deployment without retries reads as before.</summary>
    public RetryPolicyDto? Retries => MaxRetries > 0
        ? new RetryPolicyDto
        {
            MaxRetries = MaxRetries,
            DelaySeconds = DelaySeconds,
            BackoffFactor = BackoffFactor,
            JitterPercent = JitterPercent,
            On = [.. FlowRunStates.Retryable.Where(RetryOn.Contains)],
        }
        : null;

    public LatePolicyDto? LatePolicy => SkipAfterSeconds is null && MaxScheduled is null
        ? null
        : new LatePolicyDto { SkipAfterSeconds = SkipAfterSeconds, MaxScheduled = MaxScheduled };

    public void SetRetryOn(FlowRunState state, bool on)
    {
        if (on)
        {
            RetryOn.Add(state);
        }
        else
        {
            RetryOn.Remove(state);
        }
    }

    /// <summary>The checks the API makes, so most mistakes show before a round trip.</summary>
    public bool Check()
    {
        Errors.Clear();
        if (MaxRetries is < 0 or > 100)
        {
            Errors[RetriesKey] = "Retries must be from 0 to 100.";
        }
        else if (MaxRetries > 0 && (DelaySeconds < 0 || BackoffFactor < 1 || JitterPercent is < 0 or > 100))
        {
            Errors[RetriesKey] = "The delay must be at least 0 s, the backoff factor at least 1 and the jitter from 0 to 100 %.";
        }
        else if (MaxRetries > 0 && RetryOn.Count == 0)
        {
            Errors[RetriesKey] = "Pick at least one final state to retry.";
        }

        if (TimeoutSeconds is < 1)
        {
            Errors[TimeoutKey] = "The timeout must be at least 1 second (empty: no limit).";
        }

        if (SkipAfterSeconds is < 1 || MaxScheduled is < 1)
        {
            Errors[LateKey] = "Late limits are at least 1 (empty: none).";
        }

        if (ConcurrencyLimit is < 0)
        {
            Errors[ConcurrencyKey] = "The concurrency limit cannot be negative (empty: unlimited).";
        }

        return Errors.Count == 0;
    }

    /// <summary>Puts a refused request's field errors on their group; false when none named a group.</summary>
    public bool ApplyServerErrors(IReadOnlyDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        Errors.Clear();
        foreach (var (key, messages) in errors)
        {
            var group = key.StartsWith(RetriesKey, StringComparison.OrdinalIgnoreCase) ? RetriesKey
                : key.StartsWith(TimeoutKey, StringComparison.OrdinalIgnoreCase) ? TimeoutKey
                : key.StartsWith(LateKey, StringComparison.OrdinalIgnoreCase) ? LateKey
                : key.StartsWith(ConcurrencyKey, StringComparison.OrdinalIgnoreCase) || key.StartsWith("collisionStrategy", StringComparison.OrdinalIgnoreCase) ? ConcurrencyKey
                : null;
            if (group is not null)
            {
                Errors[group] = string.Join(" ", messages);
            }
        }

        return Errors.Count > 0;
    }

    /// <summary>
    /// The PATCH that sets every policy to what the form shows (empty fields clear theirs). A
    /// cleared concurrency limit takes CancelNew with it (Enqueue): without a limit there is
    /// nothing to collide with, and the server refuses CancelNew alone (422).
    /// </summary>
    public UpdateDeploymentRequest ToUpdate() => new()
    {
        Retries = Retries,
        TimeoutSeconds = TimeoutSeconds,
        LatePolicy = LatePolicy,
        ConcurrencyLimit = ConcurrencyLimit,
        CollisionStrategy = StrategyFor(ConcurrencyLimit),
    };

    private CollisionStrategy StrategyFor(int? limit) => limit is null ? CollisionStrategy.Enqueue : CollisionStrategy;

    /// <summary>The create request with the policies set (defaults left out, so the request reads as the user wrote it).</summary>
    public CreateDeploymentRequest Apply(CreateDeploymentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request with
        {
            Retries = Retries,
            TimeoutSeconds = TimeoutSeconds,
            LatePolicy = LatePolicy,
            ConcurrencyLimit = ConcurrencyLimit ?? request.ConcurrencyLimit,
            CollisionStrategy = StrategyFor(ConcurrencyLimit ?? request.ConcurrencyLimit) == CollisionStrategy.Enqueue ? request.CollisionStrategy : CollisionStrategy,
        };
    }
}

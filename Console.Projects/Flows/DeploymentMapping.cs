using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Projects.Images;

namespace Console.Projects.Flows;

/// <summary>Between a manifest deployment and the REST contract, both ways.</summary>
public static class DeploymentMapping
{
    /// <summary>
    /// The request that creates <paramref name="deployment"/> for <paramref name="flow"/>. The
    /// deployment's entrypoint and command override the flow's; with a <c>build</c> section the
    /// built image becomes the <c>image</c> job variable unless the job variables already set one.
    /// </summary>
    /// <exception cref="FlowProjectException">A name is invalid or the deployment has no work pool.</exception>
    public static CreateDeploymentRequest ToCreateRequest(ManifestDeployment deployment, DiscoveredFlow flow)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        ArgumentNullException.ThrowIfNull(flow);
        Check(deployment);
        var name = deployment.Name!;
        var pool = deployment.WorkPool?.Name
            ?? throw new FlowProjectException($"deployment '{name}' has no work pool: add 'work_pool: {{name: <pool>}}'.");
        Require(flow.Name, "flow");
        var entrypoint = deployment.Entrypoint is null ? flow.Entrypoint : FlowDiscovery.Normalize(deployment.Entrypoint);
        var command = deployment.Command
            ?? (entrypoint == flow.Entrypoint ? flow.Command : FlowDiscovery.InferCommand(entrypoint));

        var variables = deployment.WorkPool?.JobVariables?.DeepClone().AsObject() ?? [];
        if (deployment.Build is { } build && !variables.ContainsKey("image"))
        {
            variables["image"] = ImageOf(build, name).ToString();
        }

        return new CreateDeploymentRequest
        {
            FlowName = flow.Name,
            Name = name,
            Entrypoint = entrypoint,
            Command = command,
            WorkPoolName = pool,
            WorkQueueName = deployment.WorkPool?.WorkQueueName,
            JobVariables = variables.Count > 0 ? variables : null,
            Parameters = deployment.Parameters is { Count: > 0 } parameters ? parameters.DeepClone().AsObject() : null,
            Schedules = deployment.Schedules.Count > 0 ? [.. deployment.Schedules.Select(ToDto)] : null,
            Tags = deployment.Tags.Count > 0 ? [.. deployment.Tags] : null,
            Description = deployment.Description,
            IsPaused = deployment.Paused,
            ConcurrencyLimit = deployment.ConcurrencyLimit,
            CollisionStrategy = deployment.CollisionStrategy,
            Retries = ToDto(deployment.Retries),
            TimeoutSeconds = deployment.TimeoutSeconds,
            LatePolicy = deployment.LatePolicy is { } late ? new LatePolicyDto { SkipAfterSeconds = late.SkipAfterSeconds, MaxScheduled = late.MaxScheduled } : null,
            PullSteps = deployment.Pull,
        };
    }

    /// <summary>The REST retry policy of a <c>retries:</c> section: what it leaves out takes the contract's defaults.</summary>
    public static RetryPolicyDto? ToDto(ManifestRetries? retries)
    {
        if (retries is null)
        {
            return null;
        }

        var defaults = new RetryPolicyDto();
        return new RetryPolicyDto
        {
            MaxRetries = retries.MaxRetries ?? defaults.MaxRetries,
            DelaySeconds = retries.DelaySeconds ?? defaults.DelaySeconds,
            BackoffFactor = retries.BackoffFactor ?? defaults.BackoffFactor,
            JitterPercent = retries.JitterPercent ?? defaults.JitterPercent,
            On = retries.On is { } on ? [.. on] : defaults.On,
        };
    }

    /// <summary>
    /// The <c>retries:</c> section of a REST retry policy: only what differs from the defaults is
    /// written (a policy of defaults but its count is <c>max_retries</c> alone).
    /// </summary>
    public static ManifestRetries? ToManifest(RetryPolicyDto? retries)
    {
        if (retries is null)
        {
            return null;
        }

        var defaults = new RetryPolicyDto();
        return new ManifestRetries
        {
            MaxRetries = retries.MaxRetries,
            DelaySeconds = retries.DelaySeconds == defaults.DelaySeconds ? null : retries.DelaySeconds,
            BackoffFactor = retries.BackoffFactor.Equals(defaults.BackoffFactor) ? null : retries.BackoffFactor,
            JitterPercent = retries.JitterPercent == defaults.JitterPercent ? null : retries.JitterPercent,
            On = retries.On.Order().SequenceEqual(defaults.On.Order()) ? null : [.. retries.On],
        };
    }

    /// <summary>
    /// The manifest entry that saves a deployment made by a wizard. The command is left out when it
    /// is the flow's own, and the <c>image</c> job variable when the build section makes it.
    /// </summary>
    public static ManifestDeployment ToManifest(CreateDeploymentRequest request, DiscoveredFlow? flow = null, ManifestBuild? build = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var variables = request.JobVariables?.DeepClone().AsObject();
        if (build is not null && variables is not null && request.Name is { } name
            && variables["image"]?.GetValueKind() == System.Text.Json.JsonValueKind.String
            && variables["image"]!.GetValue<string>() == ImageOf(build, name).ToString())
        {
            variables.Remove("image");
        }

        var sameFlow = flow is not null && flow.Name == request.FlowName;
        return new ManifestDeployment
        {
            Name = request.Name,
            Flow = request.FlowName,
            Entrypoint = sameFlow && request.Entrypoint == flow!.Entrypoint ? null : request.Entrypoint,
            Command = sameFlow && request.Command == flow!.Command ? null : request.Command,
            Description = request.Description,
            WorkPool = new ManifestWorkPool
            {
                Name = request.WorkPoolName,
                WorkQueueName = request.WorkQueueName,
                JobVariables = variables is { Count: > 0 } ? variables : null,
            },
            Parameters = request.Parameters is { Count: > 0 } parameters ? parameters.DeepClone().AsObject() : null,
            Schedules = [.. (request.Schedules ?? []).Select(s => new ManifestSchedule
            {
                Cron = s.Cron,
                Interval = s.IntervalSeconds,
                Timezone = s.Timezone,
                Active = s.Active ? null : false,
                AnchorDate = s.AnchorDate,
            })],
            Tags = [.. request.Tags ?? []],
            Build = build,
            Paused = request.IsPaused,
            ConcurrencyLimit = request.ConcurrencyLimit,
            CollisionStrategy = request.CollisionStrategy is null or Contracts.Deployments.CollisionStrategy.Enqueue ? null : request.CollisionStrategy,
            Retries = ToManifest(request.Retries),
            TimeoutSeconds = request.TimeoutSeconds,
            LatePolicy = request.LatePolicy is { } late && (late.SkipAfterSeconds is not null || late.MaxScheduled is not null)
                ? new ManifestLatePolicy { SkipAfterSeconds = late.SkipAfterSeconds, MaxScheduled = late.MaxScheduled }
                : null,
            Pull = request.PullSteps is { Count: > 0 } steps ? [.. steps] : null,
        };
    }

    /// <summary>The image a build section makes: <c>repository/image_name:tag</c>, the image name defaulting to the deployment's name.</summary>
    /// <exception cref="FlowProjectException">A part Docker would refuse.</exception>
    public static ImageReference ImageOf(ManifestBuild build, string deploymentName)
    {
        ArgumentNullException.ThrowIfNull(build);
        try
        {
            return ImageReference.Create(build.Repository, build.ImageName ?? deploymentName, build.Tag);
        }
        catch (ArgumentException ex)
        {
            throw new FlowProjectException($"deployment '{deploymentName}' builds an image Docker would refuse: {ex.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    public static ScheduleDto ToDto(ManifestSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new ScheduleDto
        {
            Cron = schedule.Cron,
            IntervalSeconds = schedule.Interval,
            Timezone = schedule.Timezone,
            Active = schedule.Active ?? true,
            AnchorDate = schedule.AnchorDate,
        };
    }

    internal static void Check(ManifestDeployment deployment)
    {
        Require(deployment.Name, "deployment name");
        if (deployment.Flow is not null)
        {
            Require(deployment.Flow, "flow");
        }

        if (deployment.WorkPool is { } pool)
        {
            Require(pool.Name, "work pool");
            if (pool.WorkQueueName is not null)
            {
                Require(pool.WorkQueueName, "work queue");
            }
        }

        if (deployment.Entrypoint is { } entrypoint && (Path.IsPathRooted(entrypoint) || FlowDiscovery.Normalize(entrypoint).Split('/').Contains("..")))
        {
            throw new FlowProjectException($"deployment '{deployment.Name}': the entrypoint must be relative to the project folder (not '{entrypoint}').");
        }

        try
        {
            Schedules.Validate([.. deployment.Schedules.Select(ToDto)]);
        }
        catch (InvalidRequestException ex)
        {
            throw new FlowProjectException($"deployment '{deployment.Name}': {ex.Message}");
        }
    }

    internal static void Check(ManifestFlow flow)
    {
        Require(flow.Name, "flow");
        if (string.IsNullOrWhiteSpace(flow.Entrypoint))
        {
            throw new FlowProjectException($"flow '{flow.Name}' needs an entrypoint: its file in the project folder.");
        }
    }

    private static void Require(string? name, string what)
    {
        if (!Names.IsValid(name))
        {
            throw new FlowProjectException($"'{name}' is not a valid {what}: use 1-63 lowercase letters, digits, and inner '-' or '_'.");
        }
    }
}

using System.Text.Json.Nodes;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;

namespace Console.Projects.Flows;

/// <summary>
/// A flow project's <c>console.yaml</c> (snake_case keys, the analogue of prefect.yaml): its flows
/// and its saved deployments. The classes are settable so that a wizard can bind and edit them.
/// </summary>
public sealed class FlowManifest
{
    /// <summary>The project's name (optional; informative).</summary>
    public string? Name { get; set; }

    public List<ManifestFlow> Flows { get; set; } = [];

    public List<ManifestDeployment> Deployments { get; set; } = [];

    /// <summary>The <c>work_queues:</c> the deployments' pools should have: <c>cx deploy</c> creates or updates them first.</summary>
    public List<ManifestWorkQueue> WorkQueues { get; set; } = [];
}

/// <summary>A <c>work_queues:</c> entry: a queue of a work pool, with the fields given (the others are left as they are).</summary>
public sealed class ManifestWorkQueue
{
    public string? Pool { get; set; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    public int? Priority { get; set; }

    /// <summary>Its share of claims among the pool's queues of the same priority.</summary>
    public int? Weight { get; set; }

    public int? ConcurrencyLimit { get; set; }

    public int? Line { get; set; }
}

/// <summary>A <c>flows:</c> entry: a named program of the project.</summary>
public sealed class ManifestFlow
{
    public string? Name { get; set; }

    /// <summary>The flow's file, relative to the project folder.</summary>
    public string? Entrypoint { get; set; }

    /// <summary>How the flow starts (split like a POSIX shell); inferred from the entrypoint's type when absent.</summary>
    public string? Command { get; set; }

    public string? Description { get; set; }

    /// <summary>The 1-based line of the entry in the manifest, when it was read from one.</summary>
    public int? Line { get; set; }
}

/// <summary>A <c>deployments:</c> entry: a flow bound to a work pool, with parameters, schedules and an optional image build.</summary>
public sealed class ManifestDeployment
{
    public string? Name { get; set; }

    /// <summary>The flow's name; may be left out when the project has a single flow or the entrypoint identifies it.</summary>
    public string? Flow { get; set; }

    /// <summary>Overrides the flow's entrypoint.</summary>
    public string? Entrypoint { get; set; }

    /// <summary>Overrides the flow's command.</summary>
    public string? Command { get; set; }

    public string? Description { get; set; }

    public ManifestWorkPool? WorkPool { get; set; }

    public JsonObject? Parameters { get; set; }

    public List<ManifestSchedule> Schedules { get; set; } = [];

    public List<string> Tags { get; set; } = [];

    public ManifestBuild? Build { get; set; }

    /// <summary>Create the deployment paused (its schedules make no runs).</summary>
    public bool? Paused { get; set; }

    /// <summary>At most this many runs of the deployment at once.</summary>
    public int? ConcurrencyLimit { get; set; }

    /// <summary><c>collision_strategy</c>: what a new run does when the concurrency limit is full (Enqueue when absent).</summary>
    public CollisionStrategy? CollisionStrategy { get; set; }

    /// <summary><c>retries</c>: the retry policy; none when absent.</summary>
    public ManifestRetries? Retries { get; set; }

    /// <summary><c>timeout_seconds</c>: the longest a run may stay Running; no limit when absent.</summary>
    public int? TimeoutSeconds { get; set; }

    /// <summary><c>late_policy</c>: what happens to runs that could not start on time; none when absent.</summary>
    public ManifestLatePolicy? LatePolicy { get; set; }

    /// <summary>
    /// The <c>pull:</c> list (<c>git_clone:</c> and <c>set_working_directory:</c> entries): what the
    /// worker does before each run starts. Null when absent.
    /// </summary>
    public List<Contracts.Deployments.PullStepDto>? Pull { get; set; }

    /// <inheritdoc cref="ManifestFlow.Line"/>
    public int? Line { get; set; }

    /// <summary>A deep copy, for editing a saved deployment without touching the loaded manifest.</summary>
    public ManifestDeployment Clone() => new()
    {
        Name = Name,
        Flow = Flow,
        Entrypoint = Entrypoint,
        Command = Command,
        Description = Description,
        WorkPool = WorkPool is { } pool
            ? new ManifestWorkPool { Name = pool.Name, WorkQueueName = pool.WorkQueueName, JobVariables = pool.JobVariables?.DeepClone().AsObject() }
            : null,
        Parameters = Parameters?.DeepClone().AsObject(),
        Schedules = [.. Schedules.Select(s => new ManifestSchedule { Cron = s.Cron, Interval = s.Interval, Timezone = s.Timezone, Active = s.Active, AnchorDate = s.AnchorDate })],
        Tags = [.. Tags],
        Build = Build is { } build
            ? new ManifestBuild { Dockerfile = build.Dockerfile, Repository = build.Repository, ImageName = build.ImageName, Tag = build.Tag, Push = build.Push, BaseImage = build.BaseImage }
            : null,
        Paused = Paused,
        ConcurrencyLimit = ConcurrencyLimit,
        CollisionStrategy = CollisionStrategy,
        Retries = Retries is { } retries
            ? new ManifestRetries
            {
                MaxRetries = retries.MaxRetries,
                DelaySeconds = retries.DelaySeconds,
                BackoffFactor = retries.BackoffFactor,
                JitterPercent = retries.JitterPercent,
                On = retries.On is null ? null : [.. retries.On],
            }
            : null,
        TimeoutSeconds = TimeoutSeconds,
        LatePolicy = LatePolicy is { } late ? new ManifestLatePolicy { SkipAfterSeconds = late.SkipAfterSeconds, MaxScheduled = late.MaxScheduled } : null,
        Pull = Pull is null ? null : [.. Pull],
        Line = Line,
    };
}

/// <summary>
/// The <c>retries:</c> section (or <c>retries: 3</c>, short for <c>max_retries: 3</c>). What is absent
/// takes the REST defaults (delay 10 s, backoff 1, no jitter, on Failed, Crashed and TimedOut).
/// </summary>
public sealed class ManifestRetries
{
    public int? MaxRetries { get; set; }

    public int? DelaySeconds { get; set; }

    public double? BackoffFactor { get; set; }

    public int? JitterPercent { get; set; }

    /// <summary>The final states that are retried (any of Failed, Crashed, TimedOut).</summary>
    public List<FlowRunState>? On { get; set; }
}

/// <summary>The <c>late_policy:</c> section.</summary>
public sealed class ManifestLatePolicy
{
    /// <summary>A run not claimed this many seconds after its expected start ends Skipped.</summary>
    public int? SkipAfterSeconds { get; set; }

    /// <summary>The most waiting runs the deployment keeps; the oldest beyond it are Skipped.</summary>
    public int? MaxScheduled { get; set; }
}

public sealed class ManifestWorkPool
{
    public string? Name { get; set; }

    /// <summary>The pool's queue; the pool's default queue when absent.</summary>
    public string? WorkQueueName { get; set; }

    /// <summary>Overrides of the pool's base job template variables (only the variables its schema declares).</summary>
    public JsonObject? JobVariables { get; set; }
}

/// <summary>A schedule: either <see cref="Cron"/> or <see cref="Interval"/>.</summary>
public sealed class ManifestSchedule
{
    public string? Cron { get; set; }

    /// <summary>Seconds between runs (the manifest also accepts <c>90s</c>, <c>15m</c>, <c>2h</c>, <c>1d</c>).</summary>
    public int? Interval { get; set; }

    /// <summary>IANA time zone of a cron schedule; UTC when absent.</summary>
    public string? Timezone { get; set; }

    /// <summary>True when absent.</summary>
    public bool? Active { get; set; }

    /// <summary>First occurrence of an interval schedule (UTC); the deployment's creation when absent.</summary>
    public DateTime? AnchorDate { get; set; }
}

/// <summary>The <c>build:</c> section: a custom image for container pools.</summary>
public sealed class ManifestBuild
{
    /// <summary>The project's Dockerfile (relative path), or <c>auto</c> (or absent) for a generated one unless the project has a <c>Dockerfile</c>.</summary>
    public string? Dockerfile { get; set; }

    /// <summary>e.g. a Docker Hub user or <c>127.0.0.1:5000/team</c>; absent for a local-only image.</summary>
    public string? Repository { get; set; }

    /// <summary>The deployment's name when absent.</summary>
    public string? ImageName { get; set; }

    /// <summary><c>latest</c> when absent.</summary>
    public string? Tag { get; set; }

    public bool? Push { get; set; }

    /// <summary>The generated Dockerfile's <c>FROM</c>; the docker pool's <c>image</c> variable when absent.</summary>
    public string? BaseImage { get; set; }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.WorkPools;
using Console.Projects.Flows;
using Console.Projects.Images;
using Console.Web.Components.Deployments;
using Console.Web.Components.Forms;

namespace Console.Web.Components.Wizard;

public enum WizardStep
{
    Flow,
    Entrypoint,
    Name,
    Schedule,
    Pool,
    Variables,
    Image,
    Review,
}

/// <summary>
/// What the deployment wizard has gathered, step by step (docs/api.md): flow -> entrypoint -> name
/// -> schedule -> work pool and queue -> job variables -> custom image (docker pools) -> review.
/// Each step is its own model with its own checks (calling the same Core rules the REST API
/// applies, so errors land on the field they name); this one moves between them and turns the
/// answers into the request, and into the project's console.yaml entry through the flow-project
/// library. Nothing is lost by going back: fields only change when the user edits them.
/// </summary>
public sealed class WizardModel
{
    public WizardStep Step { get; private set; } = WizardStep.Flow;

    /// <summary>
    /// The deployment of the project's console.yaml the wizard started from (<see cref="StartFrom"/>),
    /// if any: what the wizard does not ask about (tags, anchor dates, a base image, a description)
    /// is kept as saved, and <see cref="ToManifest"/> changes only what the answers changed.
    /// </summary>
    public ManifestDeployment? Saved { get; private set; }

    public FlowStep FlowStep { get; } = new();

    public EntrypointStep EntrypointStep { get; } = new();

    public NameStep NameStep { get; } = new();

    public ScheduleStep ScheduleStep { get; } = new();

    /// <summary>Asked with the schedule: retries, timeout, late runs and concurrency (defaults shown).</summary>
    public RunPoliciesModel Policies { get; private set; } = new();

    public PoolStep PoolStep { get; } = new();

    /// <summary>Step 6: the pool's job variables, overridden for this deployment.</summary>
    public SchemaFormModel? Variables { get; private set; }

    public string? VariablesPool { get; private set; }

    public ImageStep ImageStep { get; } = new();

    /// <summary>An error that names no field of the wizard.</summary>
    public string? GeneralError { get; set; }

    public static IReadOnlyList<(WizardStep Step, string Title)> AllSteps { get; } =
    [
        (WizardStep.Flow, "Flow"),
        (WizardStep.Entrypoint, "Entrypoint"),
        (WizardStep.Name, "Name"),
        (WizardStep.Schedule, "Schedule"),
        (WizardStep.Pool, "Work pool"),
        (WizardStep.Variables, "Job variables"),
        (WizardStep.Image, "Image"),
        (WizardStep.Review, "Review"),
    ];

    /// <summary>The image step only applies to docker pools deploying a flow project (an existing image is not rebuilt).</summary>
    public IReadOnlyList<(WizardStep Step, string Title)> Steps =>
        [.. AllSteps.Where(s => s.Step != WizardStep.Image || (PoolStep.IsContainerPool && FlowStep.Source == FlowSourceKind.Project))];

    public DiscoveredFlow? Flow => FlowStep.Flow;

    public string EffectiveFlowName => FlowStep.EffectiveFlowName;

    public string Name => NameStep.Name;

    public string? NameError => NameStep.Error(EffectiveFlowName);

    public bool WillBuild => ImageStep.BuildImage && Steps.Any(s => s.Step == WizardStep.Image);

    public ImageReference? BuiltImage => WillBuild ? ImageStep.Image(Name) : null;

    public int StepIndex => Steps.ToList().FindIndex(s => s.Step == Step);

    public bool IsLastStep => Step == WizardStep.Review;

    public void LoadProject(FlowProject project)
    {
        if (FlowStep.Load(project))
        {
            PrefillFromFlow();
        }
    }

    public void SelectFlow(string name)
    {
        FlowStep.FlowName = name;
        FlowStep.FlowError = null;
        PrefillFromFlow();
    }

    public void SetName(string? name) => NameStep.Set(name);

    public bool NeedsTakenNames => NameStep.NeedsTaken(EffectiveFlowName);

    /// <summary>Keeps the form (and what was typed in it) while the pool stays the same.</summary>
    public void EnsureVariablesForm(WorkPoolDto pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (VariablesPool == pool.Name && Variables is not null)
        {
            return;
        }

        var schema = pool.BaseJobTemplate["variables"] as JsonObject;
        var values = Saved?.WorkPool?.Name == pool.Name ? Saved.WorkPool.JobVariables?.DeepClone().AsObject() ?? [] : [];
        if (FlowStep.Source == FlowSourceKind.Image && schema?["properties"]?["image"] is not null && FlowStep.ExistingImage.Trim().Length > 0)
        {
            values["image"] = FlowStep.ExistingImage.Trim();
        }

        Variables = SchemaFormModel.ForValues(schema, values);
        VariablesPool = pool.Name;
    }

    /// <summary>The chosen pool's default flow code: a process pool starts in the project folder (as <c>cx deploy</c> records it).</summary>
    /// <remarks>A saved deployment's <c>pull:</c> steps were loaded once, by <see cref="StartFrom"/>: fields the user cleared stay cleared.</remarks>
    public void PrefillCode() =>
        PoolStep.PrefillCode(FlowStep.Source == FlowSourceKind.Project ? FlowStep.Project?.Folder : null);

    public void GoTo(WizardStep step) => Step = step;

    public bool Back()
    {
        var index = StepIndex;
        if (index <= 0)
        {
            return false;
        }

        Step = Steps[index - 1].Step;
        return true;
    }

    public void Advance()
    {
        var index = StepIndex;
        if (index >= 0 && index < Steps.Count - 1)
        {
            Step = Steps[index + 1].Step;
        }
    }

    /// <summary>The current step's own checks (those that need no database).</summary>
    public bool CheckStep() => Step switch
    {
        WizardStep.Flow => FlowStep.Check(),
        WizardStep.Entrypoint => EntrypointStep.Check(FlowStep.Source == FlowSourceKind.Project),
        WizardStep.Name => NameStep.Check(EffectiveFlowName),
        WizardStep.Schedule => ScheduleStep.Check() & Policies.Check(),
        WizardStep.Pool => PoolStep.Check(),
        WizardStep.Image => !WillBuild || ImageStep.Check(Name),
        _ => true,
    };

    public ManifestBuild? ToBuild() => WillBuild ? ImageStep.ToBuild(Name) : null;

    /// <summary>
    /// The REST request the wizard sends; a built image becomes the <c>image</c> job variable.
    /// Started from a saved deployment, it is the flow-project library's request for
    /// <see cref="ToManifest"/>, the same the CLI sends for that entry.
    /// </summary>
    public CreateDeploymentRequest ToRequest() =>
        Saved is not null && FlowStep.Source == FlowSourceKind.Project && FlowStep.Project is { } project && Flow is { } flow
            ? project.ToCreateRequest(ToManifest(), flow)
            : Answers();

    /// <summary>The deployments saved in the loaded project's console.yaml, which the wizard offers to start from.</summary>
    public IReadOnlyList<ManifestDeployment> SavedDeployments =>
        FlowStep.Source == FlowSourceKind.Project && FlowStep.Project is { HasManifest: true } project
            ? [.. project.Manifest.Deployments.Where(d => !string.IsNullOrEmpty(d.Name))]
            : [];

    /// <summary>Saving writes into a project's console.yaml, so it is offered only for a project flow.</summary>
    public bool CanSaveToProject => FlowStep.Source == FlowSourceKind.Project && FlowStep.Project is not null && Flow is not null;

    /// <summary>
    /// The <c>flows:</c> entry a save adds with the deployment: a flow found through a comment is not
    /// in the manifest yet.
    /// </summary>
    public ManifestFlow? FlowToAdd() =>
        FlowStep.Source == FlowSourceKind.Project && Flow is { Source: not FlowSource.Manifest } flow
            ? new ManifestFlow { Name = flow.Name, Entrypoint = flow.Entrypoint, Command = flow.Command }
            : null;

    /// <summary>
    /// Writes the answers into the project's console.yaml through the flow-project library's editor:
    /// the saved entry's other lines, comments and layout stay as they were.
    /// </summary>
    /// <exception cref="FlowProjectException">The file cannot be read or the entry is invalid.</exception>
    public void SaveToProject()
    {
        var project = FlowStep.Project ?? throw new InvalidOperationException("Load the project first.");
        project.SaveDeployment(ToManifest(), FlowToAdd());
    }

    /// <summary>Fills the steps from a deployment saved in the loaded project's console.yaml.</summary>
    /// <exception cref="FlowProjectException">The deployment names a flow the project does not have.</exception>
    public void StartFrom(ManifestDeployment saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var project = FlowStep.Project ?? throw new InvalidOperationException("Load the project first.");
        FlowStep.Source = FlowSourceKind.Project;
        SelectFlow(project.ResolveFlow(saved).Name);
        Saved = saved.Clone();
        if (saved.Entrypoint is { } entrypoint)
        {
            EntrypointStep.Entrypoint = FlowDiscovery.Normalize(entrypoint);
        }

        EntrypointStep.Command = saved.Command ?? EntrypointStep.Command;
        SetName(saved.Name);
        var first = saved.Schedules.FirstOrDefault();
        ScheduleStep.Kind = first is null ? ScheduleKind.None : first.Cron is null ? ScheduleKind.Interval : ScheduleKind.Cron;
        ScheduleStep.IntervalText = first?.Interval?.ToString(CultureInfo.InvariantCulture) ?? ScheduleStep.IntervalText;
        ScheduleStep.CronText = first?.Cron ?? ScheduleStep.CronText;
        ScheduleStep.Timezone = first?.Timezone ?? string.Empty;
        PoolStep.PoolName = saved.WorkPool?.Name;
        PoolStep.QueueName = saved.WorkPool?.WorkQueueName;
        PoolStep.Load(saved.Pull ?? []);
        ImageStep.StartFrom(saved.Build);
        var request = DeploymentMapping.ToCreateRequest(saved.Clone(), Flow!);
        Policies = RunPoliciesModel.From(new DeploymentDto
        {
            FlowName = string.Empty,
            Name = string.Empty,
            Entrypoint = string.Empty,
            WorkPoolName = string.Empty,
            WorkQueueName = string.Empty,
            JobVariables = [],
            Parameters = [],
            Retries = request.Retries,
            TimeoutSeconds = request.TimeoutSeconds,
            LatePolicy = request.LatePolicy,
            ConcurrencyLimit = request.ConcurrencyLimit,
            CollisionStrategy = request.CollisionStrategy ?? CollisionStrategy.Enqueue,
        });
    }

    /// <summary>Writes the run policies the answers changed over the saved entry's, leaving the others' lines as they were.</summary>
    private static void SavePolicies(ManifestDeployment saved, ManifestDeployment deployment, CreateDeploymentRequest answers)
    {
        // RetryPolicyDto compares On by value: an unchanged policy keeps its lines as they were.
        if (!Equals(DeploymentMapping.ToDto(saved.Retries) is { MaxRetries: > 0 } r ? r : null, answers.Retries))
        {
            deployment.Retries = DeploymentMapping.ToManifest(answers.Retries);
        }

        deployment.TimeoutSeconds = answers.TimeoutSeconds;
        if ((saved.LatePolicy?.SkipAfterSeconds, saved.LatePolicy?.MaxScheduled) != (answers.LatePolicy?.SkipAfterSeconds, answers.LatePolicy?.MaxScheduled))
        {
            deployment.LatePolicy = answers.LatePolicy is { } late
                ? new ManifestLatePolicy { SkipAfterSeconds = late.SkipAfterSeconds, MaxScheduled = late.MaxScheduled }
                : null;
        }

        deployment.ConcurrencyLimit = answers.ConcurrencyLimit;
        if ((saved.CollisionStrategy ?? CollisionStrategy.Enqueue) != (answers.CollisionStrategy ?? CollisionStrategy.Enqueue))
        {
            deployment.CollisionStrategy = answers.CollisionStrategy;
        }
    }

    /// <summary>
    /// The answers as a console.yaml entry: the saved deployment with what the answers changed
    /// (so saving it touches only those lines), or a new entry.
    /// </summary>
    public ManifestDeployment ToManifest()
    {
        var answers = Answers();
        var flow = FlowStep.Source == FlowSourceKind.Project ? Flow : null;
        if (Saved is not { } saved)
        {
            var entry = DeploymentMapping.ToManifest(answers, flow, ToBuild());
            // As below: only a clone is portable; cx deploy records this machine's folder itself.
            entry.Pull = answers.PullSteps?.Any(p => p.GitClone is not null) == true ? entry.Pull : null;
            return entry;
        }

        var deployment = saved.Clone();
        deployment.Name = answers.Name;
        if (deployment.Flow is not null || answers.FlowName != flow?.Name)
        {
            deployment.Flow = answers.FlowName;
        }

        var savedEntrypoint = saved.Entrypoint is null ? flow?.Entrypoint : FlowDiscovery.Normalize(saved.Entrypoint);
        if (answers.Entrypoint != savedEntrypoint)
        {
            deployment.Entrypoint = answers.Entrypoint == flow?.Entrypoint ? null : answers.Entrypoint;
        }

        if (answers.Command != (saved.Command ?? flow?.Command))
        {
            deployment.Command = answers.Command == flow?.Command ? null : answers.Command;
        }

        var pool = deployment.WorkPool ??= new ManifestWorkPool();
        pool.Name = answers.WorkPoolName;
        if (answers.WorkQueueName != (saved.WorkPool?.WorkQueueName ?? PoolStep.Pool?.DefaultQueueName))
        {
            pool.WorkQueueName = answers.WorkQueueName;
        }

        var variables = answers.JobVariables?.DeepClone().AsObject();
        if (BuiltImage is { } image && variables?["image"] is JsonValue built && built.TryGetValue<string>(out var value) && value == image.ToString())
        {
            variables.Remove("image");
        }

        if (!JsonNode.DeepEquals(variables is { Count: > 0 } ? variables : null, pool.JobVariables is { Count: > 0 } ? pool.JobVariables : null))
        {
            pool.JobVariables = variables is { Count: > 0 } ? variables : null;
        }

        var schedule = ScheduleStep.ToSchedule();
        var kept = saved.Schedules.Select(DeploymentMapping.ToDto).FirstOrDefault();
        if (schedule is null ? saved.Schedules.Count > 0
            : kept is null || kept.Cron != schedule.Cron || kept.IntervalSeconds != schedule.IntervalSeconds || (kept.Timezone ?? string.Empty) != (schedule.Timezone ?? string.Empty))
        {
            deployment.Schedules = schedule is null ? [] : [new ManifestSchedule { Cron = schedule.Cron, Interval = schedule.IntervalSeconds, Timezone = schedule.Timezone }];
        }

        // A clone is portable and goes to console.yaml's pull: list; a folder of this machine stays in
        // the deployment only. Fields changed from the saved list replace it (cleared: it goes).
        var steps = answers.PullSteps ?? [];
        if (steps.Any(p => p.GitClone is not null))
        {
            deployment.Pull = [.. steps];
        }
        else if (saved.Pull is { Count: > 0 } savedPull && !steps.SequenceEqual(savedPull))
        {
            var portable = steps.Where(p => p.SetWorkingDirectory?.Directory is { } d && !Path.IsPathRooted(d)).ToList();
            deployment.Pull = portable.Count > 0 ? portable : null;
        }

        deployment.Build = WillBuild ? ImageStep.ToBuild(Name, saved.Build) : null;
        SavePolicies(saved, deployment, answers);
        return deployment;
    }

    /// <summary>The image build the answers ask for (a saved <c>base_image</c> and Dockerfile kept), or null when none.</summary>
    public ImageBuildRequest? ToImageBuild()
    {
        if (!WillBuild || FlowStep.Project is not { } project)
        {
            return null;
        }

        return ImageBuildRequest.For(project.Folder, ToManifest(), ToRequest().Command, ImageBuildRequest.BaseImageOf(PoolStep.Pool?.BaseJobTemplate));
    }

    /// <summary>Puts a failed create's errors on their fields and shows the first step that has one.</summary>
    public void ApplyError(ConsoleException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        GeneralError = null;
        Variables?.ClearServerErrors();
        if (error is ConflictException)
        {
            NameStep.NoteTaken(EffectiveFlowName, Name.Trim());
            NameStep.ServerError = error.Message;
            Step = WizardStep.Name;
            return;
        }

        if (error is NotFoundException)
        {
            PoolStep.PoolError = error.Message;
            Step = WizardStep.Pool;
            return;
        }

        var first = WizardStep.Review;
        foreach (var (key, messages) in error.Errors)
        {
            var message = string.Join(" ", messages);
            var step = key switch
            {
                "flowName" => Set(() => FlowStep.FlowError = message, WizardStep.Flow),
                "entrypoint" => Set(() => EntrypointStep.EntrypointError = message, WizardStep.Entrypoint),
                "command" => Set(() => EntrypointStep.CommandError = message, WizardStep.Entrypoint),
                "name" => Set(() => NameStep.ServerError = message, WizardStep.Name),
                "workPoolName" => Set(() => PoolStep.PoolError = message, WizardStep.Pool),
                "workQueueName" => Set(() => PoolStep.QueueError = message, WizardStep.Pool),
                _ when Policies.ApplyServerErrors(new Dictionary<string, string[]> { [key] = messages }) => WizardStep.Schedule,
                _ when key.StartsWith("schedules", StringComparison.Ordinal) =>
                    Set(() => ScheduleStep.ApplyErrors(new Dictionary<string, string[]> { [key] = messages }, message), WizardStep.Schedule),
                _ when key.StartsWith("jobVariables", StringComparison.Ordinal) && Variables is not null =>
                    Set(() => Variables.ApplyServerErrors(new Dictionary<string, string[]> { [key] = messages }, "jobVariables."), WizardStep.Variables),
                _ => Set(() => GeneralError = message, WizardStep.Review),
            };
            first = step < first ? step : first;
        }

        if (error.Errors.Count == 0)
        {
            GeneralError = error.Message;
        }

        Step = first;
    }

    internal static string Reason(ArgumentException ex) => ex.Message.Split(" (Parameter", 2)[0];

    /// <summary>The request from the answers alone.</summary>
    private CreateDeploymentRequest Answers()
    {
        var variables = Variables?.ToValues() ?? [];
        if (BuiltImage is { } image)
        {
            variables["image"] = image.ToString();
        }

        var schedule = ScheduleStep.ToSchedule();
        var command = EntrypointStep.Command;
        return Policies.Apply(new CreateDeploymentRequest
        {
            FlowName = EffectiveFlowName,
            Name = Name.Trim(),
            Entrypoint = EntrypointStep.Entrypoint.Trim(),
            Command = string.IsNullOrWhiteSpace(command) ? null : command.Trim(),
            WorkPoolName = PoolStep.PoolName,
            WorkQueueName = PoolStep.QueueName,
            JobVariables = variables.Count > 0 ? variables : null,
            Schedules = schedule is null ? null : [schedule],
            PullSteps = PoolStep.PullSteps(),
        });
    }

    private void PrefillFromFlow()
    {
        if (Flow is { } flow)
        {
            EntrypointStep.Prefill(flow);
        }
    }

    private static WizardStep Set(Action apply, WizardStep step)
    {
        apply();
        return step;
    }
}

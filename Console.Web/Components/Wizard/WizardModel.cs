using System.Globalization;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.WorkPools;
using Console.Core.Deployments;
using Console.Web.Components.Forms;
using Console.Worker.Flows;
using Console.Worker.Images;

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

public enum FlowSourceKind
{
    Project,
    Image,
}

public enum ScheduleKind
{
    None,
    Interval,
    Cron,
}

/// <summary>
/// What the deployment wizard has gathered, step by step (API.md): flow -> entrypoint -> name ->
/// schedule -> work pool and queue -> job variables -> custom image (docker pools) -> review. Each
/// step's checks call the same Core rules the REST API applies; their errors land on the field
/// they name. Nothing here is lost by going back: fields only change when the user edits them.
/// </summary>
public sealed class WizardModel
{
    private readonly HashSet<string> _takenNames = new(StringComparer.Ordinal);
    private string? _takenFor;

    public WizardStep Step { get; private set; } = WizardStep.Flow;

    // 1. Flow source.
    public FlowSourceKind Source { get; set; } = FlowSourceKind.Project;

    public string ProjectPath { get; set; } = string.Empty;

    public FlowProject? Project { get; private set; }

    public string? ProjectError { get; set; }

    public string? FlowName { get; set; }

    public string? FlowError { get; set; }

    public string ExistingImage { get; set; } = string.Empty;

    public string? ExistingImageError { get; set; }

    public string ImageFlowName { get; set; } = string.Empty;

    // 2. Entrypoint and command.
    public string Entrypoint { get; set; } = string.Empty;

    public string? EntrypointError { get; set; }

    public string Command { get; set; } = string.Empty;

    public string? CommandError { get; set; }

    // 3. Name.
    public string Name { get; private set; } = string.Empty;

    public bool NameTouched { get; private set; }

    public string? NameServerError { get; set; }

    // 4. Schedule.
    public ScheduleKind ScheduleKind { get; set; } = ScheduleKind.None;

    public string IntervalText { get; set; } = "3600";

    public string CronText { get; set; } = "0 * * * *";

    public string Timezone { get; set; } = string.Empty;

    public string? IntervalError { get; set; }

    public string? CronError { get; set; }

    public string? TimezoneError { get; set; }

    // 5. Work pool and queue.
    public IReadOnlyList<WorkPoolDto> Pools { get; set; } = [];

    public string? PoolName { get; set; }

    public string? PoolError { get; set; }

    public bool NewPool { get; set; }

    public string NewPoolName { get; set; } = string.Empty;

    public string NewPoolType { get; set; } = WorkPoolTypes.Process;

    public string? NewPoolError { get; set; }

    public IReadOnlyList<string> Queues { get; set; } = [];

    public string? QueueName { get; set; }

    public string? QueueError { get; set; }

    // 6. Job variables.
    public SchemaFormModel? Variables { get; private set; }

    public string? VariablesPool { get; private set; }

    // 7. Custom image.
    public bool BuildImage { get; set; }

    public string Repository { get; set; } = string.Empty;

    /// <summary>Null until edited: it follows the deployment's name.</summary>
    public string? ImageName { get; set; }

    public string Tag { get; set; } = ImageReference.DefaultTag;

    public bool Push { get; set; }

    public string? RepositoryError { get; set; }

    public string? ImageNameError { get; set; }

    public string? TagError { get; set; }

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

    public WorkPoolDto? Pool => Pools.FirstOrDefault(p => p.Name == PoolName);

    public bool IsContainerPool => Pool?.Type is WorkPoolTypes.Docker or WorkPoolTypes.DockerSwarm;

    /// <summary>The image step only applies to docker pools deploying a flow project (an existing image is not rebuilt).</summary>
    public IReadOnlyList<(WizardStep Step, string Title)> Steps =>
        [.. AllSteps.Where(s => s.Step != WizardStep.Image || (IsContainerPool && Source == FlowSourceKind.Project))];

    public DiscoveredFlow? Flow => Project?.FindFlow(FlowName ?? string.Empty);

    public string EffectiveFlowName => Source == FlowSourceKind.Project ? FlowName ?? string.Empty : ImageFlowName.Trim();

    public string EffectiveImageName => string.IsNullOrWhiteSpace(ImageName) ? Name.Trim() : ImageName.Trim();

    public bool WillBuild => BuildImage && Steps.Any(s => s.Step == WizardStep.Image);

    public string? NameError => NameRuleError() ?? NameServerError;

    public int StepIndex => Steps.ToList().FindIndex(s => s.Step == Step);

    public bool IsLastStep => Step == WizardStep.Review;

    public void LoadProject(FlowProject project)
    {
        ArgumentNullException.ThrowIfNull(project);
        Project = project;
        ProjectError = null;
        if (Flow is null)
        {
            FlowName = project.Flows.Count > 0 ? project.Flows[0].Name : null;
            PrefillFromFlow();
        }
    }

    public void ClearProject(string error)
    {
        Project = null;
        ProjectError = error;
    }

    public void SelectFlow(string name)
    {
        FlowName = name;
        FlowError = null;
        PrefillFromFlow();
    }

    public void SetName(string? name)
    {
        Name = name ?? string.Empty;
        NameTouched = true;
        NameServerError = null;
    }

    /// <summary>The deployment names the chosen flow already has, for the duplicate check while typing.</summary>
    public void SetTakenNames(string flow, IEnumerable<string> names)
    {
        _takenFor = flow;
        _takenNames.Clear();
        _takenNames.UnionWith(names);
    }

    public void NoteTaken(string flow, string name)
    {
        if (flow == _takenFor)
        {
            _takenNames.Add(name);
        }
    }

    public bool NeedsTakenNames => _takenFor != EffectiveFlowName;

    /// <summary>Keeps the form (and what was typed in it) while the pool stays the same.</summary>
    public void EnsureVariablesForm(WorkPoolDto pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (VariablesPool == pool.Name && Variables is not null)
        {
            return;
        }

        var schema = pool.BaseJobTemplate["variables"] as JsonObject;
        var values = new JsonObject();
        // A process run starts in the worker's directory; a flow project's command expects its own folder.
        if (Source == FlowSourceKind.Project && Project is not null && schema?["properties"]?["working_dir"] is not null)
        {
            values["working_dir"] = Project.Folder;
        }

        if (Source == FlowSourceKind.Image && schema?["properties"]?["image"] is not null && ExistingImage.Trim().Length > 0)
        {
            values["image"] = ExistingImage.Trim();
        }

        Variables = SchemaFormModel.ForValues(schema, values);
        VariablesPool = pool.Name;
    }

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

    /// <summary>Checks of the flow step that need no database.</summary>
    public bool CheckFlow()
    {
        FlowError = null;
        ExistingImageError = null;
        if (Source == FlowSourceKind.Project)
        {
            if (Project is null)
            {
                ProjectError ??= "Load a flow project folder first.";
                return false;
            }

            if (Flow is null)
            {
                FlowError = Project.Flows.Count == 0
                    ? "This folder has no flows: list them in console.yaml or add a '# flow: name' comment to a file."
                    : "Pick the flow to deploy.";
                return false;
            }

            return true;
        }

        var ok = true;
        try
        {
            ImageReference.Parse(ExistingImage);
        }
        catch (ArgumentException ex)
        {
            ExistingImageError = ExistingImage.Trim().Length == 0 ? "The image to run is required." : Reason(ex);
            ok = false;
        }

        try
        {
            Names.Require(ImageFlowName.Trim(), "flowName");
        }
        catch (InvalidRequestException ex)
        {
            FlowError = ImageFlowName.Trim().Length == 0 ? "Name the flow the image runs." : ex.Message;
            ok = false;
        }

        return ok;
    }

    public bool CheckEntrypoint()
    {
        EntrypointError = null;
        CommandError = null;
        var entrypoint = Entrypoint.Trim();
        if (entrypoint.Length == 0)
        {
            EntrypointError = "An entrypoint is required (the flow's file, or file:function).";
        }
        else if (Source == FlowSourceKind.Project && (Path.IsPathRooted(entrypoint) || FlowDiscovery.Normalize(entrypoint).Split('/').Contains("..")))
        {
            EntrypointError = "The entrypoint must be relative to the project folder.";
        }

        try
        {
            CommandLine.Split(Command);
        }
        catch (InvalidRequestException ex)
        {
            CommandError = ex.Message;
        }

        return EntrypointError is null && CommandError is null;
    }

    public bool CheckName()
    {
        NameTouched = true;
        return NameError is null;
    }

    public ScheduleDto? ToSchedule() => ScheduleKind switch
    {
        ScheduleKind.Interval => new ScheduleDto
        {
            IntervalSeconds = int.TryParse(IntervalText.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0,
        },
        ScheduleKind.Cron => new ScheduleDto
        {
            Cron = CronText.Trim(),
            Timezone = string.IsNullOrWhiteSpace(Timezone) ? null : Timezone.Trim(),
        },
        _ => null,
    };

    /// <summary>Validates the schedule with <see cref="Schedules.Validate"/>, the API's own check.</summary>
    public bool CheckSchedule()
    {
        IntervalError = null;
        CronError = null;
        TimezoneError = null;
        if (ScheduleKind == ScheduleKind.Interval
            && !int.TryParse(IntervalText.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            IntervalError = "Enter a whole number of seconds, e.g. 3600.";
            return false;
        }

        if (ToSchedule() is not { } schedule)
        {
            return true;
        }

        try
        {
            Schedules.Validate([schedule]);
            return true;
        }
        catch (InvalidRequestException ex)
        {
            ApplyScheduleErrors(ex.Errors, ex.Message);
            return false;
        }
    }

    /// <summary>The next occurrences of a valid schedule, from <paramref name="now"/>; empty when there is none or it is invalid.</summary>
    public IReadOnlyList<DateTime> NextOccurrences(DateTime now, int count = 5)
    {
        if (ToSchedule() is not { } schedule)
        {
            return [];
        }

        try
        {
            Schedules.Validate([schedule]);
            return [.. Schedules.Next(schedule, now, now, count)];
        }
        catch (InvalidRequestException)
        {
            return [];
        }
    }

    public bool CheckImage()
    {
        RepositoryError = null;
        ImageNameError = null;
        TagError = null;
        if (!WillBuild)
        {
            return true;
        }

        try
        {
            ImageReference.Create(Repository, EffectiveImageName, Tag);
            return true;
        }
        catch (ArgumentException ex)
        {
            switch (ex.ParamName)
            {
                case "repository":
                    RepositoryError = Reason(ex);
                    break;
                case "tag":
                    TagError = Reason(ex);
                    break;
                default:
                    ImageNameError = Reason(ex);
                    break;
            }

            return false;
        }
    }

    public ImageReference? BuiltImage => WillBuild ? ImageReference.Create(Repository, EffectiveImageName, Tag) : null;

    public ManifestBuild? ToBuild() => WillBuild
        ? new ManifestBuild
        {
            Repository = string.IsNullOrWhiteSpace(Repository) ? null : Repository.Trim(),
            ImageName = EffectiveImageName,
            Tag = string.IsNullOrWhiteSpace(Tag) ? ImageReference.DefaultTag : Tag.Trim(),
            Push = Push,
        }
        : null;

    /// <summary>The REST request the wizard sends; a built image becomes the <c>image</c> job variable.</summary>
    public CreateDeploymentRequest ToRequest()
    {
        var variables = Variables?.ToValues() ?? [];
        if (BuiltImage is { } image)
        {
            variables["image"] = image.ToString();
        }

        var schedule = ToSchedule();
        return new CreateDeploymentRequest
        {
            FlowName = EffectiveFlowName,
            Name = Name.Trim(),
            Entrypoint = Entrypoint.Trim(),
            Command = string.IsNullOrWhiteSpace(Command) ? null : Command.Trim(),
            WorkPoolName = PoolName,
            WorkQueueName = QueueName,
            JobVariables = variables.Count > 0 ? variables : null,
            Schedules = schedule is null ? null : [schedule],
        };
    }

    /// <summary>Puts a failed create's errors on their fields and shows the first step that has one.</summary>
    public void ApplyError(ConsoleException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        GeneralError = null;
        Variables?.ClearServerErrors();
        if (error is ConflictException)
        {
            NoteTaken(EffectiveFlowName, Name.Trim());
            NameServerError = error.Message;
            Step = WizardStep.Name;
            return;
        }

        if (error is NotFoundException)
        {
            PoolError = error.Message;
            Step = WizardStep.Pool;
            return;
        }

        var first = WizardStep.Review;
        foreach (var (key, messages) in error.Errors)
        {
            var message = string.Join(" ", messages);
            var step = key switch
            {
                "flowName" => Set(() => FlowError = message, WizardStep.Flow),
                "entrypoint" => Set(() => EntrypointError = message, WizardStep.Entrypoint),
                "command" => Set(() => CommandError = message, WizardStep.Entrypoint),
                "name" => Set(() => NameServerError = message, WizardStep.Name),
                "workPoolName" => Set(() => PoolError = message, WizardStep.Pool),
                "workQueueName" => Set(() => QueueError = message, WizardStep.Pool),
                _ when key.StartsWith("schedules", StringComparison.Ordinal) =>
                    Set(() => ApplyScheduleErrors(new Dictionary<string, string[]> { [key] = messages }, message), WizardStep.Schedule),
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

    private void ApplyScheduleErrors(IReadOnlyDictionary<string, string[]> errors, string fallback)
    {
        foreach (var (key, messages) in errors)
        {
            var message = string.Join(" ", messages);
            if (key.EndsWith(".timezone", StringComparison.Ordinal))
            {
                TimezoneError = message;
            }
            else if (key.EndsWith(".cron", StringComparison.Ordinal) || ScheduleKind == ScheduleKind.Cron)
            {
                CronError = message;
            }
            else
            {
                IntervalError = message;
            }
        }

        if (errors.Count == 0)
        {
            if (ScheduleKind == ScheduleKind.Cron)
            {
                CronError = fallback;
            }
            else
            {
                IntervalError = fallback;
            }
        }
    }

    private void PrefillFromFlow()
    {
        if (Flow is { } flow)
        {
            Entrypoint = flow.Entrypoint;
            Command = flow.Command;
            EntrypointError = null;
            CommandError = null;
        }
    }

    private string? NameRuleError()
    {
        if (!NameTouched)
        {
            return null;
        }

        var name = Name.Trim();
        if (name.Length == 0)
        {
            return "A name is required.";
        }

        try
        {
            Names.Require(name, "name");
        }
        catch (InvalidRequestException ex)
        {
            return ex.Message;
        }

        return _takenFor == EffectiveFlowName && _takenNames.Contains(name)
            ? $"Deployment '{EffectiveFlowName}/{name}' already exists."
            : null;
    }

    private static WizardStep Set(Action apply, WizardStep step)
    {
        apply();
        return step;
    }

    private static string Reason(ArgumentException ex) => ex.Message.Split(" (Parameter", 2)[0];
}

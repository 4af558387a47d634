using System.Globalization;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.Feed;
using Console.Core.Deployments;
using Console.Core.Deployments.Preflight;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Console.Web.Components.Shared;
using Console.Web.Hosting;
using Console.Projects.Flows;
using Console.Projects.Images;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Console.Web.Components.Wizard;

/// <summary>
/// The browser deployment wizard (<c>/deployments/new</c>). Every Next runs the checks the
/// REST API would run for that step, through the Core services, so an error shows on its field
/// before the final create; Create builds the custom image first (its output streams into the
/// page) and creates nothing when the build fails.
/// </summary>
public partial class DeploymentWizard
{
    private readonly WizardModel _model = new();
    private readonly List<ImageBuildLine> _buildLines = [];
    private readonly CancellationTokenSource _cts = new();
    private string _cli = string.Empty;
    private string _yaml = string.Empty;
    private string? _buildError;
    private bool _busy;
    private bool _running;
    private DeploymentDto? _created;
    private bool _saveToProject;
    private string? _saveError;
    private FlowRunDto? _run;
    private PreflightResultDto? _preflight;
    private (FlowProject Project, string Folder, Projects.Git.GitCheckout? Checkout)? _checkout;

    [Inject]
    private IWebHostEnvironment Environment { get; set; } = default!;

    [CascadingParameter]
    private Console.Web.Components.Security.ConsoleAccess Access { get; set; } = Console.Web.Components.Security.ConsoleAccess.Unknown;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private IImageBuilder ImageBuilder { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>Preselects a work pool, e.g. /deployments/new?pool=my-pool.</summary>
    [SupplyParameterFromQuery(Name = "pool")]
    public string? InitialPool { get; set; }

    private DateTime Now => Time.GetUtcNow().UtcDateTime;

    protected override async Task OnInitializedAsync()
    {
        _model.FlowStep.ProjectPath = DefaultProjectPath() ?? string.Empty;
        if (_model.FlowStep.ProjectPath.Length > 0)
        {
            LoadProject();
        }

        await ReloadPoolsAsync();
        _model.PoolStep.NewPool = _model.PoolStep.Pools.Count == 0;
        if (InitialPool is not null && _model.PoolStep.Pools.Any(p => p.Name == InitialPool))
        {
            _model.PoolStep.PoolName = InitialPool;
            await LoadQueuesAsync();
        }
    }

    protected override bool IsRelevant(ChangeEvent change) => change is PoolChanged or PoolDeleted or DeploymentChanged;

    protected override Task<bool> ApplyAsync(ChangeEvent change)
    {
        switch (change)
        {
            case PoolChanged e:
                _model.PoolStep.Pools = [.. _model.PoolStep.Pools.Where(p => p.Name != e.Pool.Name).Append(e.Pool).OrderBy(p => p.Name, StringComparer.Ordinal)];
                break;
            case PoolDeleted e:
                _model.PoolStep.Pools = [.. _model.PoolStep.Pools.Where(p => p.Name != e.Name)];
                break;
            case DeploymentChanged e:
                _model.NameStep.NoteTaken(e.Deployment.FlowName, e.Deployment.Name);
                break;
        }

        return Task.FromResult(true);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cts.Cancel();
            _cts.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>The repository's tutorial project, when the server runs from a clone.</summary>
    private string? DefaultProjectPath()
    {
        foreach (var root in new[] { Environment.ContentRootPath, ContentRoot.Find() })
        {
            var candidate = Path.Combine(root, "examples", "get-repo-info");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private void SetSource(FlowSourceKind source)
    {
        _model.FlowStep.Source = source;
        _model.FlowStep.FlowError = null;
    }

    private void SetProjectPath(string? path)
    {
        _model.FlowStep.ProjectPath = path ?? string.Empty;
        _model.FlowStep.ProjectError = null;
    }

    private void LoadProject()
    {
        var path = _model.FlowStep.ProjectPath.Trim();
        if (path.Length == 0)
        {
            _model.FlowStep.Clear("Enter the flow project's folder.");
            return;
        }

        try
        {
            _model.LoadProject(FlowProject.Load(path));
        }
        catch (Exception ex) when (ex is FlowProjectException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _model.FlowStep.Clear(ex.Message);
        }
    }

    private void SelectFlow(string name) => _model.SelectFlow(name);

    /// <summary>Fills the steps from a deployment of console.yaml; saving it back is then the default.</summary>
    private void StartFromSaved(ManifestDeployment saved)
    {
        try
        {
            _model.StartFrom(saved);
            _saveToProject = true;
        }
        catch (FlowProjectException ex)
        {
            _model.FlowStep.FlowError = ex.Message;
        }
    }

    private void SetName(string? name) => _model.SetName(name);

    private void SetScheduleKind(ScheduleKind kind)
    {
        _model.ScheduleStep.Kind = kind;
        _model.ScheduleStep.Check();
    }

    private void SetInterval(string? text)
    {
        _model.ScheduleStep.IntervalText = text ?? string.Empty;
        _model.ScheduleStep.Check();
    }

    private void SetCron(string? text)
    {
        _model.ScheduleStep.CronText = text ?? string.Empty;
        _model.ScheduleStep.Check();
    }

    private void SetTimezone(string? text)
    {
        _model.ScheduleStep.Timezone = text ?? string.Empty;
        _model.ScheduleStep.Check();
    }

    private void SetNewPool(bool value)
    {
        _model.PoolStep.NewPool = value;
        _model.PoolStep.PoolError = null;
        _model.PoolStep.NewPoolError = null;
    }

    private async Task SelectPoolAsync(string? pool)
    {
        _model.PoolStep.PoolName = pool;
        _model.PoolStep.PoolError = null;
        _model.PoolStep.QueueError = null;
        await LoadQueuesAsync();
        await LoadFlowCodeAsync();
    }

    private async Task LoadQueuesAsync()
    {
        if (_model.PoolStep.Pool is not { } pool)
        {
            _model.PoolStep.Queues = [];
            _model.PoolStep.QueueName = null;
            return;
        }

        var queues = await Scopes.CallAsync((WorkQueueService s) => s.ListAsync(pool.Name, _cts.Token));
        _model.PoolStep.Queues = [.. queues.OrderBy(q => q.Priority).Select(q => q.Name)];
        if (_model.PoolStep.QueueName is null || !_model.PoolStep.Queues.Contains(_model.PoolStep.QueueName))
        {
            _model.PoolStep.QueueName = _model.PoolStep.Queues.Contains(pool.DefaultQueueName) ? pool.DefaultQueueName : _model.PoolStep.Queues.Count > 0 ? _model.PoolStep.Queues[0] : null;
        }
    }

    /// <summary>
    /// The flow-code fields' defaults and offers: the project folder for a process pool, the
    /// folder's git remote and branch when the server sees a checkout, and the secret names (admins).
    /// </summary>
    private async Task LoadFlowCodeAsync()
    {
        _model.PrefillCode();
        // Only a process pool is offered the clone (as cx deploy does); a container pool's image holds the code.
        var folder = _model.FlowStep.Source == FlowSourceKind.Project && _model.PoolStep.Pool?.Type == Contracts.WorkPools.WorkPoolTypes.Process
            ? _model.FlowStep.Project?.Folder : null;
        // Read once per loaded project (about seven git processes), not on every pool change.
        if (folder is not null && (_checkout is not { } known || known.Project != _model.FlowStep.Project || known.Folder != folder))
        {
            _checkout = (_model.FlowStep.Project!, folder, await Projects.Git.GitCheckout.ReadAsync(folder));
        }

        _model.PoolStep.Checkout = folder is null ? null : _checkout!.Value.Checkout;
        if (Access.Allows(Contracts.Security.Roles.Admin) && _model.PoolStep.SecretNames.Count == 0)
        {
            _model.PoolStep.SecretNames = [.. (await Scopes.CallAsync((Core.Secrets.SecretService s) => s.ListAsync(_cts.Token))).Select(s => s.Name)];
        }
    }

    private void UseCheckoutRemote() => _model.PoolStep.UseCheckoutRemote();

    private async Task ReloadPoolsAsync() =>
        _model.PoolStep.Pools = await Scopes.CallAsync((WorkPoolService s) => s.ListAsync(_cts.Token));

    private void Back()
    {
        _model.GeneralError = null;
        _model.Back();
    }

    private async Task NextAsync()
    {
        _busy = true;
        _model.GeneralError = null;
        try
        {
            if (await CheckStepAsync())
            {
                // The flow code's defaults for the project and pool, before the pool step shows them.
                if (_model.Step == WizardStep.Schedule)
                {
                    await LoadFlowCodeAsync();
                }

                _model.Advance();
                if (_model.Step == WizardStep.Review)
                {
                    Preview();
                    _preflight = null;
                    _preflight = await Scopes.CallAsync((DeploymentPreflight p) => p.CheckAsync(_model.ToRequest(), _cts.Token));
                }
            }
        }
        catch (ConsoleException ex)
        {
            _model.GeneralError = ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>The step's own checks first (its model's), then the ones that need the database.</summary>
    private async Task<bool> CheckStepAsync()
    {
        if (_model.Step == WizardStep.Flow && _model.FlowStep.Source == FlowSourceKind.Project
            && (_model.FlowStep.Project is null || !SameFolder(_model.FlowStep.Project.Folder, _model.FlowStep.ProjectPath)))
        {
            LoadProject();
        }

        if (!_model.CheckStep())
        {
            return false;
        }

        switch (_model.Step)
        {
            case WizardStep.Flow when _model.NeedsTakenNames:
                var flow = _model.EffectiveFlowName;
                var existing = await Scopes.CallAsync((DeploymentService s) => s.ListAsync(flow: flow, ct: _cts.Token));
                _model.NameStep.SetTaken(flow, existing.Select(d => d.Name));
                return true;
            case WizardStep.Name:
                return await NameIsFreeAsync();
            case WizardStep.Pool:
                return await CheckPoolAsync();
            case WizardStep.Variables:
                return await CheckVariablesAsync();
            default:
                return true;
        }
    }

    /// <summary>The pool step's "Create pool": creates the new pool and chooses it (Next only moves on).</summary>
    private async Task CreatePoolAsync()
    {
        _busy = true;
        try
        {
            var created = await Scopes.CallAsync((WorkPoolService s) => s.CreateAsync(_model.PoolStep.ToCreateRequest(), _cts.Token));
            Snackbar.Add($"Work pool '{created.Name}' created.", Severity.Success);
            _model.PoolStep.Created(created);
            await LoadQueuesAsync();
            await LoadFlowCodeAsync();
        }
        catch (ConsoleException ex)
        {
            _model.PoolStep.NewPoolError = ex.Errors.TryGetValue("name", out var messages) ? string.Join(" ", messages) : ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task<bool> NameIsFreeAsync()
    {
        var flow = _model.EffectiveFlowName;
        var name = _model.Name.Trim();
        try
        {
            await Scopes.CallAsync((DeploymentService s) => s.GetByNameAsync(flow, name, _cts.Token));
        }
        catch (NotFoundException)
        {
            return true;
        }

        _model.NameStep.NoteTaken(flow, name);
        _model.NameStep.ServerError = $"Deployment '{flow}/{name}' already exists.";
        return false;
    }

    private async Task<bool> CheckPoolAsync()
    {
        var poolName = _model.PoolStep.PoolName!;

        try
        {
            var pool = await Scopes.CallAsync((WorkPoolService s) => s.GetAsync(poolName, _cts.Token));
            _model.PoolStep.Pools = [.. _model.PoolStep.Pools.Select(p => p.Name == pool.Name ? pool : p)];
        }
        catch (NotFoundException ex)
        {
            _model.PoolStep.PoolError = ex.Message;
            return false;
        }

        var queue = _model.PoolStep.QueueName ?? _model.PoolStep.Pool!.DefaultQueueName;
        try
        {
            await Scopes.CallAsync((WorkQueueService s) => s.GetAsync(poolName, queue, _cts.Token));
            _model.PoolStep.QueueName = queue;
        }
        catch (NotFoundException ex)
        {
            _model.PoolStep.QueueError = ex.Message;
            return false;
        }

        _model.EnsureVariablesForm(_model.PoolStep.Pool!);
        return true;
    }

    /// <summary>The values must pass the pool template's schema, as they would on create.</summary>
    private async Task<bool> CheckVariablesAsync()
    {
        if (_model.Variables is not { } form)
        {
            return true;
        }

        form.ClearServerErrors();
        if (!form.IsValid)
        {
            return false;
        }

        var values = form.ToValues();
        var poolName = _model.PoolStep.PoolName!;
        try
        {
            await Scopes.CallAsync(async (WorkPoolService s) =>
                WorkPoolService.TemplateOf(await s.FindAsync(poolName, _cts.Token)).ValidateVariables(values));
            return true;
        }
        catch (ConsoleException ex) when (ex is UnprocessableException or InvalidRequestException)
        {
            form.ApplyServerErrors(ex.Errors, "jobVariables.");
            return false;
        }
    }

    private void Preview()
    {
        _cli = WizardPreview.CliCommand(_model);
        try
        {
            _yaml = WizardPreview.ManifestSnippet(_model);
        }
        catch (Exception ex) when (ex is FlowProjectException or IOException or UnauthorizedAccessException)
        {
            _yaml = $"# Cannot show the console.yaml entry: {ex.Message}";
        }
    }

    private async Task CreateAsync()
    {
        _busy = true;
        _buildError = null;
        _model.GeneralError = null;
        lock (_buildLines)
        {
            _buildLines.Clear();
        }

        try
        {
            if (_model.WillBuild && !await BuildAsync())
            {
                return;
            }

            _created = await Scopes.CallAsync((DeploymentService s) => s.CreateAsync(_model.ToRequest(), _cts.Token));
            Snackbar.Add($"Deployment '{_created.FlowName}/{_created.Name}' created.", Severity.Success);
            SaveToProject();
        }
        catch (ConsoleException ex)
        {
            _model.ApplyError(ex);
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>After the create: the answers go into console.yaml when asked; a failed save keeps the deployment and says why.</summary>
    private void SaveToProject()
    {
        _saveError = null;
        if (!_saveToProject || !_model.CanSaveToProject)
        {
            return;
        }

        try
        {
            _model.SaveToProject();
            Snackbar.Add($"Saved to {_model.FlowStep.Project!.ManifestPath}.", Severity.Success);
        }
        catch (Exception ex) when (ex is FlowProjectException or IOException or UnauthorizedAccessException)
        {
            _saveError = $"The deployment was created, but console.yaml was not saved: {ex.Message}";
        }
    }

    /// <summary>Builds the custom image, streaming the engine's lines into the page as they come.</summary>
    private async Task<bool> BuildAsync()
    {
        var request = _model.ToImageBuild()!;
        AddLine(new ImageBuildLine(ImageBuildStage.Build, $"Building image {request.Image} from {request.ProjectDirectory} ..."));
        try
        {
            await ImageBuilder.BuildAsync(request, AddLine, _cts.Token);
            return true;
        }
        catch (ImageBuildException ex)
        {
            _buildError = ex.EngineError is { } engine ? $"The image build failed: {engine}" : ex.Message;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException or Docker.DotNet.DockerApiException)
        {
            _buildError = $"The Docker engine could not build the image: {ex.Message}";
        }

        return false;
    }

    private void AddLine(ImageBuildLine line)
    {
        lock (_buildLines)
        {
            _buildLines.Add(line);
        }

        // The engine's stream is read off the renderer's thread.
        _ = InvokeAsync(StateHasChanged);
    }

    private string BuildText()
    {
        lock (_buildLines)
        {
            return string.Join('\n', _buildLines.Select(l => l.Text));
        }
    }

    private async Task RunNowAsync()
    {
        if (_created is not { } created)
        {
            return;
        }

        _running = true;
        try
        {
            await TryAsync(async () =>
                _run = await Scopes.CallAsync((DeploymentService s) => s.CreateRunAsync(created.Id, new CreateFlowRunRequest(), _cts.Token)));
        }
        finally
        {
            _running = false;
        }

        // What the user asked for is the run: its page follows states and logs live.
        if (_run is { } run)
        {
            Navigation.NavigateTo($"/flow-runs/{run.Id}");
        }
    }

    private string ScheduleSummary() => _model.ScheduleStep.ToSchedule() switch
    {
        null => "None",
        { Cron: { } cron } s => $"cron '{cron}' ({s.Timezone ?? "UTC"})",
        var s => $"every {s.IntervalSeconds} seconds",
    };

    private string Occurrence(DateTime at)
    {
        var utc = at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        if (_model.ScheduleStep.Kind != ScheduleKind.Cron || string.IsNullOrWhiteSpace(_model.ScheduleStep.Timezone))
        {
            return utc;
        }

        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(_model.ScheduleStep.Timezone.Trim());
            return $"{TimeZoneInfo.ConvertTimeFromUtc(at, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} {_model.ScheduleStep.Timezone.Trim()} ({utc})";
        }
        catch (TimeZoneNotFoundException)
        {
            return utc;
        }
    }

    private static bool SameFolder(string loaded, string typed)
    {
        try
        {
            return string.Equals(loaded, Path.GetFullPath(typed.Trim()), StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

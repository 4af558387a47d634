using System.Globalization;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Core.Deployments;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Console.Web.Components.Shared;
using Console.Web.Hosting;
using Console.Worker;
using Console.Worker.Flows;
using Console.Worker.Images;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace Console.Web.Components.Wizard;

/// <summary>
/// The browser deployment wizard (API.md, <c>/deployments/new</c>). Every Next runs the checks the
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
    private FlowRunDto? _run;

    [Inject]
    private IWebHostEnvironment Environment { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    /// <summary>Preselects a work pool, e.g. /deployments/new?pool=my-pool.</summary>
    [SupplyParameterFromQuery(Name = "pool")]
    public string? InitialPool { get; set; }

    private DateTime Now => Time.GetUtcNow().UtcDateTime;

    protected override async Task OnInitializedAsync()
    {
        _model.ProjectPath = DefaultProjectPath() ?? string.Empty;
        if (_model.ProjectPath.Length > 0)
        {
            LoadProject();
        }

        await ReloadPoolsAsync();
        _model.NewPool = _model.Pools.Count == 0;
        if (InitialPool is not null && _model.Pools.Any(p => p.Name == InitialPool))
        {
            _model.PoolName = InitialPool;
            await LoadQueuesAsync();
        }
    }

    protected override bool IsRelevant(ChangeEvent change) => change is PoolChanged or PoolDeleted or DeploymentChanged;

    protected override Task<bool> ApplyAsync(ChangeEvent change)
    {
        switch (change)
        {
            case PoolChanged e:
                _model.Pools = [.. _model.Pools.Where(p => p.Name != e.Pool.Name).Append(e.Pool).OrderBy(p => p.Name, StringComparer.Ordinal)];
                break;
            case PoolDeleted e:
                _model.Pools = [.. _model.Pools.Where(p => p.Name != e.Name)];
                break;
            case DeploymentChanged e:
                _model.NoteTaken(e.Deployment.FlowName, e.Deployment.Name);
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
        _model.Source = source;
        _model.FlowError = null;
    }

    private void SetProjectPath(string? path)
    {
        _model.ProjectPath = path ?? string.Empty;
        _model.ProjectError = null;
    }

    private void LoadProject()
    {
        var path = _model.ProjectPath.Trim();
        if (path.Length == 0)
        {
            _model.ClearProject("Enter the flow project's folder.");
            return;
        }

        try
        {
            _model.LoadProject(FlowProject.Load(path));
        }
        catch (Exception ex) when (ex is FlowProjectException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _model.ClearProject(ex.Message);
        }
    }

    private void SelectFlow(string name) => _model.SelectFlow(name);

    private void SetName(string? name) => _model.SetName(name);

    private void SetScheduleKind(ScheduleKind kind)
    {
        _model.ScheduleKind = kind;
        _model.CheckSchedule();
    }

    private void SetInterval(string? text)
    {
        _model.IntervalText = text ?? string.Empty;
        _model.CheckSchedule();
    }

    private void SetCron(string? text)
    {
        _model.CronText = text ?? string.Empty;
        _model.CheckSchedule();
    }

    private void SetTimezone(string? text)
    {
        _model.Timezone = text ?? string.Empty;
        _model.CheckSchedule();
    }

    private void SetNewPool(bool value)
    {
        _model.NewPool = value;
        _model.PoolError = null;
        _model.NewPoolError = null;
    }

    private async Task SelectPoolAsync(string? pool)
    {
        _model.PoolName = pool;
        _model.PoolError = null;
        _model.QueueError = null;
        await LoadQueuesAsync();
    }

    private async Task LoadQueuesAsync()
    {
        if (_model.Pool is not { } pool)
        {
            _model.Queues = [];
            _model.QueueName = null;
            return;
        }

        var queues = await Scopes.CallAsync((WorkQueueService s) => s.ListAsync(pool.Name, _cts.Token));
        _model.Queues = [.. queues.OrderBy(q => q.Priority).Select(q => q.Name)];
        if (_model.QueueName is null || !_model.Queues.Contains(_model.QueueName))
        {
            _model.QueueName = _model.Queues.Contains(pool.DefaultQueueName) ? pool.DefaultQueueName : _model.Queues.Count > 0 ? _model.Queues[0] : null;
        }
    }

    private async Task ReloadPoolsAsync() =>
        _model.Pools = await Scopes.CallAsync((WorkPoolService s) => s.ListAsync(_cts.Token));

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
                _model.Advance();
                if (_model.Step == WizardStep.Review)
                {
                    Preview();
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

    /// <summary>The step's checks: the model's own rules first, then the ones that need the database.</summary>
    private async Task<bool> CheckStepAsync()
    {
        switch (_model.Step)
        {
            case WizardStep.Flow:
                if (_model.Source == FlowSourceKind.Project
                    && (_model.Project is null || !SameFolder(_model.Project.Folder, _model.ProjectPath)))
                {
                    LoadProject();
                }

                if (!_model.CheckFlow())
                {
                    return false;
                }

                if (_model.NeedsTakenNames)
                {
                    var flow = _model.EffectiveFlowName;
                    var existing = await Scopes.CallAsync((DeploymentService s) => s.ListAsync(flow: flow, ct: _cts.Token));
                    _model.SetTakenNames(flow, existing.Select(d => d.Name));
                }

                return true;
            case WizardStep.Entrypoint:
                return _model.CheckEntrypoint();
            case WizardStep.Name:
                return _model.CheckName() && await NameIsFreeAsync();
            case WizardStep.Schedule:
                return _model.CheckSchedule();
            case WizardStep.Pool:
                return await CheckPoolAsync();
            case WizardStep.Variables:
                return await CheckVariablesAsync();
            case WizardStep.Image:
                return _model.CheckImage();
            default:
                return true;
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

        _model.NoteTaken(flow, name);
        _model.NameServerError = $"Deployment '{flow}/{name}' already exists.";
        return false;
    }

    private async Task<bool> CheckPoolAsync()
    {
        if (_model.NewPool)
        {
            try
            {
                var request = new CreateWorkPoolRequest { Name = _model.NewPoolName.Trim(), Type = _model.NewPoolType };
                var created = await Scopes.CallAsync((WorkPoolService s) => s.CreateAsync(request, _cts.Token));
                Snackbar.Add($"Work pool '{created.Name}' created.", Severity.Success);
                await ReloadPoolsAsync();
                _model.NewPool = false;
                _model.NewPoolName = string.Empty;
                _model.PoolName = created.Name;
                await LoadQueuesAsync();
            }
            catch (ConsoleException ex)
            {
                _model.NewPoolError = ex.Errors.TryGetValue("name", out var messages) ? string.Join(" ", messages) : ex.Message;
                return false;
            }
        }

        if (_model.PoolName is not { } poolName)
        {
            _model.PoolError = "Choose the work pool its runs go to.";
            return false;
        }

        try
        {
            var pool = await Scopes.CallAsync((WorkPoolService s) => s.GetAsync(poolName, _cts.Token));
            _model.Pools = [.. _model.Pools.Select(p => p.Name == pool.Name ? pool : p)];
        }
        catch (NotFoundException ex)
        {
            _model.PoolError = ex.Message;
            return false;
        }

        var queue = _model.QueueName ?? _model.Pool!.DefaultQueueName;
        try
        {
            await Scopes.CallAsync((WorkQueueService s) => s.GetAsync(poolName, queue, _cts.Token));
            _model.QueueName = queue;
        }
        catch (NotFoundException ex)
        {
            _model.QueueError = ex.Message;
            return false;
        }

        _model.EnsureVariablesForm(_model.Pool!);
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
        var poolName = _model.PoolName!;
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

    /// <summary>Builds the custom image, streaming the engine's lines into the page as they come.</summary>
    private async Task<bool> BuildAsync()
    {
        var image = _model.BuiltImage!;
        var request = new ImageBuildRequest
        {
            ProjectDirectory = _model.Project!.Folder,
            Image = image,
            BaseImage = ImageBuildRequest.BaseImageOf(_model.Pool?.BaseJobTemplate) ?? Services.GetRequiredService<IOptions<WorkPoolOptions>>().Value.DefaultImage,
            Command = string.IsNullOrWhiteSpace(_model.Command) ? null : _model.Command.Trim(),
            Push = _model.Push,
        };
        var builder = Services.GetService<IWizardImageBuilder>()
            ?? new DockerWizardImageBuilder(Services.GetService<IOptions<WorkerOptions>>()?.Value.DockerHost ?? "unix:///var/run/docker.sock");
        AddLine(new ImageBuildLine(ImageBuildStage.Build, $"Building image {image} from {request.ProjectDirectory} ..."));
        try
        {
            await builder.BuildAsync(request, AddLine, _cts.Token);
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

    private string ScheduleSummary() => _model.ToSchedule() switch
    {
        null => "None",
        { Cron: { } cron } s => $"cron '{cron}' ({s.Timezone ?? "UTC"})",
        var s => $"every {s.IntervalSeconds} seconds",
    };

    private string Occurrence(DateTime at)
    {
        var utc = at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        if (_model.ScheduleKind != ScheduleKind.Cron || string.IsNullOrWhiteSpace(_model.Timezone))
        {
            return utc;
        }

        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(_model.Timezone.Trim());
            return $"{TimeZoneInfo.ConvertTimeFromUtc(at, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} {_model.Timezone.Trim()} ({utc})";
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

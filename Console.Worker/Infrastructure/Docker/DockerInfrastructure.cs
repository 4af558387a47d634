using Console.Projects.Images;
using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Worker.Infrastructure.Docker;

/// <summary>Runs each flow run in its own container through the Docker engine at <see cref="WorkerOptions.DockerHost"/>.</summary>
public sealed partial class DockerInfrastructure : IInfrastructure, IImageInventory, IDisposable
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long an image seen on the engine is trusted to be there without an inspect.</summary>
    private static readonly TimeSpan PresentImageLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The label Swarm puts on its tasks' containers.</summary>
    private const string SwarmTaskLabel = "com.docker.swarm.task.id";
    private const string DockerTypeName = "docker";
    private readonly DockerClientConfiguration _configuration;
    private readonly DockerClient _client;
    private readonly ILogger<DockerInfrastructure> _logger;
    private readonly string _host;
    private readonly TimeProvider _time;
    private readonly PresentImages _images;

    public DockerInfrastructure(IOptions<WorkerOptions> options, ILogger<DockerInfrastructure> logger, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        ArgumentNullException.ThrowIfNull(options);
        _host = options.Value.DockerHost;
        _logger = logger;
        _configuration = new DockerClientConfiguration(new Uri(_host));
        _client = _configuration.CreateClient();
        _images = new PresentImages(_time, PresentImageLifetime);
    }

    public string Type => DockerTypeName;

    internal DockerClient Client => _client;

    public async Task<InfrastructureHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        try
        {
            await _client.System.PingAsync(timeout.Token);
            return InfrastructureHealth.Healthy;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new InfrastructureHealth(false, $"The Docker engine at {_host} is unreachable: {Reason(ex)}");
        }
    }

    public async Task<IRunHandle> StartAsync(RunSpec spec, ILogSink logs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(logs);
        var config = DockerJobConfiguration.Parse(spec.JobConfiguration);
        string? id = null;
        try
        {
            id = await CreateAsync(spec, config, logs, cancellationToken);
            foreach (var network in config.Networks.Skip(config.NetworkMode is null ? 1 : 0))
            {
                await _client.Networks.ConnectNetworkAsync(network, new NetworkConnectParameters { Container = id }, cancellationToken);
            }

            await _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
            LogStarted(_logger, id[..12], spec.Run.Id, config.Image);
            logs.Write("worker", $"Started container {id[..12]} from image {config.Image}");
            return new DockerRunHandle(_client, id, config.AutoRemove, config.StreamOutput, logs, logsAfter: null, _time);
        }
        catch (DockerApiException ex)
        {
            await RemoveQuietlyAsync(id, config.AutoRemove);
            var what = id is null ? "create" : "start";
            throw new InfrastructureException($"Could not {what} the container: {DockerErrors.Describe(ex)}", ex);
        }
        catch (Exception ex) when (DockerErrors.IsEngineUnreachable(ex, cancellationToken))
        {
            await RemoveQuietlyAsync(id, config.AutoRemove);
            throw new InfrastructureUnavailableException($"The Docker engine at {_host} is unreachable: {Reason(ex)}", ex);
        }
    }

    public Task<IReadOnlyList<OrphanInfo>> FindOrphansAsync(string workerName, CancellationToken cancellationToken) =>
        ListAsync($"{DockerLabels.Worker}={workerName}", cancellationToken);

    public async Task<IReadOnlyList<OrphanInfo>?> FindPoolInfrastructureAsync(string pool, CancellationToken cancellationToken) =>
        await ListAsync($"{DockerLabels.Pool}={pool}", cancellationToken);

    private async Task<IReadOnlyList<OrphanInfo>> ListAsync(string labelFilter, CancellationToken cancellationToken)
    {
        var containers = await _client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [labelFilter] = true },
            },
        }, cancellationToken);
        var found = new List<OrphanInfo>();
        foreach (var container in containers)
        {
            if (IsSwarmTask(container.Labels))
            {
                continue; // a docker-swarm job's container: that type finds its services itself
            }

            if (DockerLabels.Describe(container.ID, container.Labels, container.State == "running") is { } orphan)
            {
                found.Add(orphan);
            }
        }

        return found;
    }

    /// <summary>
    /// Ours say which type made them; Swarm's own task label decides only for containers from
    /// before that label (a job's labels could set it, never ours).
    /// </summary>
    private static bool IsSwarmTask(IDictionary<string, string> labels) =>
        labels.TryGetValue(DockerLabels.Type, out var type)
            ? type != DockerTypeName
            : labels.ContainsKey(SwarmTaskLabel);

    public Task<IRunHandle> AdoptAsync(OrphanInfo orphan, DateTime? logsAfter, ILogSink logs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(orphan);
        logs.Write("worker", $"Worker took over container {orphan.InfrastructureId[..12]} after a restart");
        return Task.FromResult<IRunHandle>(new DockerRunHandle(_client, orphan.InfrastructureId, orphan.AutoRemove, streamOutput: true, logs, logsAfter, _time));
    }

    public async Task RemoveOrphanAsync(OrphanInfo orphan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(orphan);
        try
        {
            await _client.Containers.RemoveContainerAsync(orphan.InfrastructureId, new ContainerRemoveParameters { Force = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _configuration.Dispose();
    }

    internal static (string Repository, string? Tag) SplitImage(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return (image, null); // a digest names one image exactly
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    private static string Reason(Exception ex) => ex switch
    {
        DockerApiException api => DockerErrors.Describe(api),
        OperationCanceledException => "no answer in time",
        _ when ex.InnerException is { } inner => inner.Message,
        _ => ex.Message,
    };

    private static CreateContainerParameters CreateParameters(RunSpec spec, DockerJobConfiguration config)
    {
        var env = DockerLabels.Environment(spec, config.Env);
        var labels = DockerLabels.For(spec, config.Labels, DockerTypeName);
        labels[DockerLabels.AutoRemove] = config.AutoRemove ? "true" : "false";
        // The pull steps' checkout, read-only at a fixed path, as the working directory (docs/decisions/0009-git-pull-steps.md).
        var binds = config.Volumes.Concat(spec.Code?.Bind is { } code ? [code] : []).ToList();

        return new CreateContainerParameters
        {
            Name = ContainerName(spec.Run.Name),
            Image = config.Image,
            Cmd = config.Command is { Count: > 0 } command ? [.. command] : null,
            Env = [.. env.Select(e => $"{e.Key}={e.Value}")],
            Labels = labels,
            WorkingDir = spec.Code?.ContainerWorkingDirectory(),
            Tty = false,
            AttachStdout = true,
            AttachStderr = true,
            HostConfig = new HostConfig
            {
                // Never the engine's AutoRemove: the exit code and logs must outlive the container's end.
                AutoRemove = false,
                Binds = binds.Count > 0 ? binds : null,
                NetworkMode = config.NetworkMode ?? (config.Networks.Count > 0 ? config.Networks[0] : null),
                Memory = config.MemoryLimit ?? 0,
                NanoCPUs = config.NanoCpus ?? 0,
                Privileged = config.Privileged,
            },
        };
    }

    private static string ContainerName(string runName)
    {
        var name = new StringBuilder("console-");
        foreach (var c in runName.ToLowerInvariant().Take(40))
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        }

        // A suffix of its own: a run released and claimed again by this worker gets a second container.
        return name.Append('-').Append(Random.Shared.Next(0x1000000).ToString("x6", CultureInfo.InvariantCulture)).ToString();
    }

    private async Task<string> CreateAsync(RunSpec spec, DockerJobConfiguration config, ILogSink logs, CancellationToken cancellationToken)
    {
        var trusted = await EnsureImageAsync(config, logs, cancellationToken);
        try
        {
            return (await _client.Containers.CreateContainerAsync(CreateParameters(spec, config), cancellationToken)).ID;
        }
        catch (DockerApiException ex) when (trusted && ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Seen a moment ago, removed since: look (and pull) again as if it had never been seen.
            _images.Forget(config.Image);
            await EnsureImageAsync(config, logs, cancellationToken);
            return (await _client.Containers.CreateContainerAsync(CreateParameters(spec, config), cancellationToken)).ID;
        }
    }

    /// <summary>True when it trusted <see cref="PresentImages"/> instead of asking the engine.</summary>
    private async Task<bool> EnsureImageAsync(DockerJobConfiguration config, ILogSink logs, CancellationToken cancellationToken)
    {
        if (config.PullPolicy != ImagePullPolicy.Always)
        {
            if (_images.IsPresent(config.Image))
            {
                return true;
            }

            if (await ImageExistsAsync(config.Image, cancellationToken))
            {
                _images.Seen(config.Image);
                return false;
            }
        }

        if (config.PullPolicy == ImagePullPolicy.Never)
        {
            throw new InfrastructureException(
                $"Image '{config.Image}' is not on the Docker host and image_pull_policy is Never: build or load it there, or allow pulls.");
        }

        await PullAsync(config.Image, config.RegistryAuth, logs, cancellationToken);
        _images.Seen(config.Image);
        return false;
    }

    public async Task<IReadOnlyList<string>?> ListImagesAsync(int limit, CancellationToken cancellationToken)
    {
        try
        {
            var images = await _client.Images.ListImagesAsync(new ImagesListParameters(), cancellationToken);
            return [.. images.OrderByDescending(i => i.Created)
                .SelectMany(i => (i.RepoTags ?? []).Concat(i.RepoDigests ?? []))
                .Where(n => !string.IsNullOrEmpty(n) && !n.StartsWith("<none>", StringComparison.Ordinal))
                .Distinct(StringComparer.Ordinal).Take(limit)];
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            await _client.Images.InspectImageAsync(image, cancellationToken);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    private async Task PullAsync(string image, AuthConfig? auth, ILogSink logs, CancellationToken cancellationToken)
    {
        logs.Write("worker", auth is null ? $"Pulling image {image}" : $"Pulling image {image} with registry_credentials");
        string? error = null;
        var lastStatus = new Dictionary<string, string>(StringComparer.Ordinal);
        var progress = new SyncProgress<JSONMessage>(message =>
        {
            if (message.Error is not null || !string.IsNullOrEmpty(message.ErrorMessage))
            {
                error = message.Error?.Message ?? message.ErrorMessage;
                return;
            }

            // One line per layer and status, not one per progress tick.
            var key = message.ID ?? string.Empty;
            if (!string.IsNullOrEmpty(message.Status) && (!lastStatus.TryGetValue(key, out var last) || last != message.Status))
            {
                lastStatus[key] = message.Status;
                logs.Write("worker", string.IsNullOrEmpty(message.ID) ? message.Status : $"{message.ID}: {message.Status}");
            }
        });

        var (repository, tag) = SplitImage(image);
        try
        {
            await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, auth, progress, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            error = DockerErrors.Describe(ex);
        }

        if (error is not null)
        {
            throw new InfrastructureException($"Could not pull image '{image}': {error}");
        }
    }

    private async Task RemoveQuietlyAsync(string? id, bool autoRemove)
    {
        if (id is null || !autoRemove)
        {
            return;
        }

        try
        {
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            LogRemoveFailed(_logger, id[..12], ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started container {ContainerId} for run {RunId} ({Image})")]
    private static partial void LogStarted(ILogger logger, string containerId, Guid runId, string image);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove container {ContainerId}: {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, string containerId, string reason);
}

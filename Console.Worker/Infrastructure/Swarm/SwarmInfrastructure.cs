using Console.Projects.Images;
using System.Net;
using Console.Contracts.WorkPools;
using Console.Worker.Infrastructure.Docker;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Worker.Infrastructure.Swarm;

/// <summary>
/// Runs each flow run as a Swarm <c>replicated-job</c> service through the swarm manager at
/// <see cref="WorkerOptions.DockerHost"/> (the same setting and client as the docker type), so
/// runs spread over the cluster's nodes.
/// </summary>
public sealed partial class SwarmInfrastructure : IInfrastructure, IDisposable
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(3);
    private readonly DockerClientConfiguration _configuration;
    private readonly DockerClient _client;
    private readonly ILogger<SwarmInfrastructure> _logger;
    private readonly string _host;
    private readonly TimeProvider _time;
    private readonly TimeSpan _stopGrace;

    public SwarmInfrastructure(IOptions<WorkerOptions> options, ILogger<SwarmInfrastructure> logger, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        ArgumentNullException.ThrowIfNull(options);
        _host = options.Value.DockerHost;
        _stopGrace = TimeSpan.FromSeconds(options.Value.CancelGraceSeconds);
        _logger = logger;
        _configuration = new DockerClientConfiguration(new Uri(_host));
        _client = _configuration.CreateClient();
    }

    public string Type => WorkPoolTypes.DockerSwarm;

    public async Task<InfrastructureHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        SystemInfoResponse info;
        try
        {
            info = await _client.System.GetSystemInfoAsync(timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new InfrastructureHealth(false, $"The Docker engine at {_host} is unreachable: {Reason(ex)}");
        }

        return info.Swarm is { ControlAvailable: true }
            ? InfrastructureHealth.Healthy
            : new InfrastructureHealth(false, NotAManager(info.Swarm));
    }

    public async Task<IRunHandle> StartAsync(RunSpec spec, ILogSink logs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(logs);
        var config = SwarmJobConfiguration.Parse(spec.JobConfiguration);
        var service = SwarmServiceSpec.Create(spec, config, _stopGrace);
        try
        {
            var created = await _client.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = service, RegistryAuth = config.RegistryAuth }, cancellationToken);
            LogStarted(_logger, service.Name, created.ID, spec.Run.Id, config.Image);
            logs.Write("worker", $"Created Swarm job service {service.Name} ({created.ID[..12]}) from image {config.Image}");
            foreach (var warning in created.Warnings ?? [])
            {
                logs.Write("worker", warning, level: "warning");
            }

            return new SwarmRunHandle(_client, created.ID, config.StreamOutput, logs, logsAfter: null, _time);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            // "This node is not a swarm manager": not the run's fault, another worker may run it.
            throw new InfrastructureUnavailableException($"The Docker engine at {_host} cannot create services: {DockerErrors.Describe(ex)}", ex);
        }
        catch (DockerApiException ex)
        {
            throw new InfrastructureException($"Could not create the Swarm service: {DockerErrors.Describe(ex)}", ex);
        }
        catch (Exception ex) when (DockerErrors.IsEngineUnreachable(ex, cancellationToken))
        {
            throw new InfrastructureUnavailableException($"The Docker engine at {_host} is unreachable: {Reason(ex)}", ex);
        }
    }

    public Task<IReadOnlyList<OrphanInfo>> FindOrphansAsync(string workerName, CancellationToken cancellationToken) =>
        ListAsync($"{DockerLabels.Worker}={workerName}", cancellationToken);

    public async Task<IReadOnlyList<OrphanInfo>?> FindPoolInfrastructureAsync(string pool, CancellationToken cancellationToken) =>
        await ListAsync($"{DockerLabels.Pool}={pool}", cancellationToken);

    private async Task<IReadOnlyList<OrphanInfo>> ListAsync(string labelFilter, CancellationToken cancellationToken)
    {
        var services = await _client.Swarm.ListServicesAsync(new ServicesListParameters
        {
            Filters = new ServiceFilter { Label = [labelFilter] },
        }, cancellationToken);
        var orphans = new List<OrphanInfo>();
        foreach (var service in services)
        {
            if (DockerLabels.Describe(service.ID, service.Spec?.Labels, isRunning: true) is not { } described)
            {
                continue;
            }

            var handle = new SwarmRunHandle(_client, service.ID, streamOutput: false, NoLogs.Instance, logsAfter: null, _time);
            IReadOnlyList<TaskResponse> tasks;
            try
            {
                tasks = await handle.TasksAsync(cancellationToken);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                continue; // removed meanwhile
            }

            // No task yet counts as running: Swarm is about to make it.
            var running = tasks.Count == 0 || tasks.Any(t => t.Status?.State is not { } state || !SwarmTaskOutcome.IsTerminal(state));
            orphans.Add(described with { IsRunning = running, AutoRemove = true });
        }

        return orphans;
    }

    public Task<IRunHandle> AdoptAsync(OrphanInfo orphan, DateTime? logsAfter, ILogSink logs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(orphan);
        ArgumentNullException.ThrowIfNull(logs);
        logs.Write("worker", $"Worker took over Swarm service {orphan.InfrastructureId[..12]} after a restart");
        return Task.FromResult<IRunHandle>(new SwarmRunHandle(_client, orphan.InfrastructureId, streamOutput: true, logs, logsAfter, _time));
    }

    public async Task RemoveOrphanAsync(OrphanInfo orphan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(orphan);
        await using var handle = new SwarmRunHandle(_client, orphan.InfrastructureId, streamOutput: false, NoLogs.Instance, logsAfter: null, _time);
        if (orphan.IsRunning)
        {
            await handle.StopAsync(_stopGrace, cancellationToken);
        }

        await handle.CleanupAsync(cancellationToken);
    }

    public void Dispose()
    {
        _client.Dispose();
        _configuration.Dispose();
    }

    private string NotAManager(Info? swarm) => swarm?.LocalNodeState switch
    {
        "active" => $"The Docker engine at {_host} is a Swarm worker node, not a manager: point Worker:DockerHost at a manager.",
        "pending" or "locked" or "error" => $"The Docker engine at {_host} is in Swarm state '{swarm.LocalNodeState}': {swarm.Error}",
        _ => $"The Docker engine at {_host} is not part of a Swarm: run 'docker swarm init' there, or point Worker:DockerHost at a swarm manager.",
    };

    private static string Reason(Exception ex) => ex switch
    {
        DockerApiException api => DockerErrors.Describe(api),
        OperationCanceledException => "no answer in time",
        _ when ex.InnerException is { } inner => inner.Message,
        _ => ex.Message,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Swarm service {Service} ({ServiceId}) for run {RunId} ({Image})")]
    private static partial void LogStarted(ILogger logger, string service, string serviceId, Guid runId, string image);

    private sealed class NoLogs : ILogSink
    {
        public static NoLogs Instance { get; } = new();

        public void Write(string stream, string message, DateTime? timestamp = null, string level = "info")
        {
        }
    }
}

using System.Text.Json.Nodes;
using Console.Contracts;

namespace Console.Worker.Infrastructure;

/// <summary>Where flow runs execute: a Docker engine, the local machine, ...</summary>
public interface IInfrastructure
{
    /// <summary>The pool type this infrastructure serves (<c>docker</c>, <c>process</c>).</summary>
    string Type { get; }

    /// <summary>Whether runs can be started now; a message says why not.</summary>
    Task<InfrastructureHealth> CheckHealthAsync(CancellationToken cancellationToken);

    /// <summary>Creates and starts the run's infrastructure.</summary>
    /// <exception cref="InfrastructureUnavailableException">The engine is unreachable: the run may be released to another worker.</exception>
    /// <exception cref="InfrastructureException">The run's infrastructure could not be created or started (the run crashed).</exception>
    Task<IRunHandle> StartAsync(RunSpec spec, ILogSink logs, CancellationToken cancellationToken);

    /// <summary>Infrastructure this worker started earlier (found by label), e.g. before it was restarted.</summary>
    Task<IReadOnlyList<OrphanInfo>> FindOrphansAsync(string workerName, CancellationToken cancellationToken);

    /// <summary>Takes over an orphan: streams its output after <paramref name="logsAfter"/> and reports its end.</summary>
    Task<IRunHandle> AdoptAsync(OrphanInfo orphan, DateTime? logsAfter, ILogSink logs, CancellationToken cancellationToken);

    /// <summary>Stops and removes an orphan that no run of this worker owns any more.</summary>
    Task RemoveOrphanAsync(OrphanInfo orphan, CancellationToken cancellationToken);

    /// <summary>
    /// Infrastructure of every worker of the pool that this worker's engine shows (found by the
    /// pool's label), for fencing; null where this type cannot list what its runs left behind (process).
    /// </summary>
    Task<IReadOnlyList<OrphanInfo>?> FindPoolInfrastructureAsync(string pool, CancellationToken cancellationToken);
}

/// <summary>An infrastructure whose engine holds images the worker can report (preflight's image check).</summary>
public interface IImageInventory
{
    /// <summary>The engine's image tags and digests, newest first, at most <paramref name="limit"/>; null when the engine cannot be asked.</summary>
    Task<IReadOnlyList<string>?> ListImagesAsync(int limit, CancellationToken cancellationToken);
}

/// <summary>One started run: watched until it ends, stopped on cancel, cleaned up after its end is reported.</summary>
public interface IRunHandle : IAsyncDisposable
{
    string InfrastructureId { get; }

    /// <summary>Streams the run's output to the log sink until the run ends; returns how it ended.</summary>
    Task<RunExit> WatchAsync(CancellationToken cancellationToken);

    /// <summary>Asks the run to stop, kills it after <paramref name="grace"/>.</summary>
    Task StopAsync(TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>Runs after the end was reported: removes the container when the job configuration says so.</summary>
    Task CleanupAsync(CancellationToken cancellationToken);
}

/// <summary>Everything an infrastructure needs to start one run.</summary>
public sealed record RunSpec(FlowRunDto Run, JsonObject JobConfiguration, string WorkerName, string ApiUrl)
{
    /// <summary>The run's own token (<c>CONSOLE_API_KEY</c>), when the server wants credentials; never the worker's key.</summary>
    public string? RunToken { get; init; }

    /// <summary>What the run's pull steps produced (a checkout, a working directory); null when it has none.</summary>
    public Pull.PulledCode? Code { get; init; }

    /// <summary>The variables every run sees, whatever runs it (docs/architecture.md, data flow step 4).</summary>
    public IReadOnlyDictionary<string, string> InjectedEnvironment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CONSOLE_API_URL"] = ApiUrl,
        ["CONSOLE_FLOW_RUN_ID"] = Run.Id.ToString(),
        ["CONSOLE_FLOW_RUN_NAME"] = Run.Name,
        ["CONSOLE_FLOW_RUN_PARAMETERS"] = Run.Parameters.ToJsonString(),
        ["CONSOLE_FLOW_NAME"] = Run.FlowName,
        ["CONSOLE_DEPLOYMENT_NAME"] = Run.DeploymentName,
        ["CONSOLE_WORK_POOL_NAME"] = Run.WorkPoolName,
        ["CONSOLE_API_KEY"] = RunToken ?? string.Empty,
    };
}

/// <summary>How a run ended. <see cref="ExitCode"/> is null when there is none to tell (e.g. the engine lost the container).</summary>
public sealed record RunExit(int? ExitCode, bool OutOfMemory = false, string? Error = null)
{
    /// <summary>CPU time and peak memory the run's infrastructure used, where it could be measured (docs/api.md, "FlowRun.usage").</summary>
    public Contracts.FlowRuns.FlowRunUsageDto? Usage { get; init; }
}

public sealed record InfrastructureHealth(bool IsHealthy, string? Message = null)
{
    public static InfrastructureHealth Healthy { get; } = new(true);
}

/// <summary>Infrastructure found by its labels: which run (and worker) it belongs to and whether it still runs.</summary>
public sealed record OrphanInfo(string InfrastructureId, Guid RunId, bool IsRunning, bool AutoRemove, string? WorkerName = null);

/// <summary>The run's infrastructure could not be created or started; the message is shown to the user.</summary>
public class InfrastructureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The infrastructure itself (e.g. the Docker engine) cannot be reached right now.</summary>
public sealed class InfrastructureUnavailableException(string message, Exception? inner = null) : InfrastructureException(message, inner);

/// <summary>Where a run's output goes: lines are batched and shipped to the server.</summary>
public interface ILogSink
{
    /// <param name="stream"><c>stdout</c>, <c>stderr</c> or <c>worker</c>.</param>
    void Write(string stream, string message, DateTime? timestamp = null, string level = "info");
}

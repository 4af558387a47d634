using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Console.Worker.Infrastructure.Docker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Worker.Infrastructure.Process;

/// <summary>
/// Runs each flow run as a child process of the worker. On Linux the child starts through
/// <c>setsid</c> so it leads its own process group: a cancel signals the whole group (SIGTERM, then
/// SIGKILL after the grace period) and then kills whatever tree is left.
/// </summary>
public sealed partial class ProcessInfrastructure(IOptions<WorkerOptions> options, TimeProvider time, ILogger<ProcessInfrastructure> logger) : IInfrastructure
{
    private static readonly string? Setsid = OperatingSystem.IsLinux()
        ? new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists)
        : null;

    public string Type => "process";

    public Task<InfrastructureHealth> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(InfrastructureHealth.Healthy);

    public Task<IRunHandle> StartAsync(RunSpec spec, ILogSink logs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(logs);
        var config = spec.JobConfiguration;
        var command = JobConfig.String(config, "command") is { } text ? DockerJobConfiguration.SplitCommand(text) : [];
        if (command.Count == 0)
        {
            throw new InfrastructureException("The job configuration has no command: set the deployment's command or the 'command' job variable.");
        }

        var workingDirectory = JobConfig.String(config, "working_dir") ?? options.Value.WorkingDirectory ?? Environment.CurrentDirectory;

        // Pull steps decide over working_dir: the flow runs from its checkout, or where setWorkingDirectory says.
        workingDirectory = spec.Code?.HostWorkingDirectory(workingDirectory) ?? workingDirectory;
        if (!Directory.Exists(workingDirectory))
        {
            throw new InfrastructureException($"The working directory '{workingDirectory}' does not exist on the worker's machine.");
        }

        var start = new ProcessStartInfo
        {
            FileName = Setsid ?? command[0],
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in Setsid is null ? command.Skip(1) : command)
        {
            start.ArgumentList.Add(arg);
        }

        // The worker's own environment without its credentials, then the job's, then what every run is
        // told about itself (its own scoped token in CONSOLE_API_KEY).
        foreach (var name in start.Environment.Keys.Where(name => IsWorkerCredential(name, start.Environment[name], options.Value.ApiKey)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (key, value) in JobConfig.StringMap(config, "env").Concat(spec.InjectedEnvironment))
        {
            start.Environment[key] = value;
        }

        var process = new System.Diagnostics.Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InfrastructureException($"Could not start '{command[0]}': {ex.Message}", ex);
        }

        process.StandardInput.Close(); // a flow that reads stdin sees its end instead of hanging
        var infrastructureId = $"{Environment.MachineName}:{process.Id}";
        LogStarted(logger, process.Id, spec.Run.Id, command[0]);
        logs.Write("worker", $"Started process {process.Id}: {string.Join(' ', command)} (in {workingDirectory})");
        return Task.FromResult<IRunHandle>(new ProcessRunHandle(process, infrastructureId, Setsid is not null,
            JobConfig.Bool(config, "stream_output", true), logs, time));
    }

    /// <summary>Child processes cannot be adopted: a restarted worker reports their runs as crashed.</summary>
    public Task<IReadOnlyList<OrphanInfo>> FindOrphansAsync(string workerName, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<OrphanInfo>>([]);

    public Task<IRunHandle> AdoptAsync(OrphanInfo orphan, DateTime? logsAfter, ILogSink logs, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Process runs cannot be adopted.");

    public Task RemoveOrphanAsync(OrphanInfo orphan, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Nothing labels a child process: the runs a lost worker left keep their slot up to the hold bound (docs/reliability.md).</summary>
    public Task<IReadOnlyList<OrphanInfo>?> FindPoolInfrastructureAsync(string pool, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<OrphanInfo>?>(null);

    /// <summary>The worker's key under its configuration names, under the CLI's, or under any name that holds its value.</summary>
    internal static bool IsWorkerCredential(string name, string? value, string? workerKey)
    {
        var normalized = name.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();
        return normalized is "WORKER__APIKEY" or "CONSOLE_API_KEY"
            || (!string.IsNullOrEmpty(workerKey) && value is not null && value.Contains(workerKey, StringComparison.Ordinal));
    }

    internal static JsonObject Configuration(string command, string? workingDir = null) => new()
    {
        ["command"] = command,
        ["working_dir"] = workingDir,
        ["stream_output"] = true,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Started process {Pid} for run {RunId} ({Command})")]
    private static partial void LogStarted(ILogger logger, int pid, Guid runId, string command);
}

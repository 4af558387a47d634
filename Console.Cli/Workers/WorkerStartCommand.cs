using System.ComponentModel;
using System.Globalization;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Worker;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Workers;

/// <summary><c>cx worker start --pool P</c>: the worker of Console.Worker in the foreground, until Ctrl+C or SIGTERM (which drain it first).</summary>
public sealed class WorkerStartCommand(IWorkerRunner runner, WorkerPools workerPools, CliOutput output, CliContext cli) : AsyncCommand<WorkerStartCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("-p|--pool <POOL>")]
        [Description("The work pool to serve; it must exist, unless --type says what to create it as. Repeatable")]
        public string[] Pools { get; set; } = [];

        [CommandOption("-n|--name <NAME>")]
        [Description("The worker's name (default: the machine name and a random suffix)")]
        public string? Name { get; set; }

        [CommandOption("-q|--work-queue <QUEUE>")]
        [Description("Only these queues (default: every queue of the pool). Repeatable")]
        public string[] Queues { get; set; } = [];

        [CommandOption("-l|--limit <N>")]
        [Description("At most N runs at once per pool (default 10)")]
        public int? Limit { get; set; }

        [CommandOption("-t|--type <TYPE>")]
        [Description("The infrastructure to run flows on (docker, docker-swarm, process); default: the pool's type. A missing pool is created with this type")]
        public string? Type { get; set; }

        [CommandOption("--state-dir <DIR>")]
        [Description("Where the worker keeps its generated name and undelivered reports, so a restarted worker adopts its containers (default: a folder per pool set under the user's local data folder)")]
        public string? StateDirectory { get; set; }

        [CommandOption("--log-format <FORMAT>")]
        [Description("text (default) or json: one JSON object per line, each line about a run carrying FlowRunId, WorkerName and WorkPool")]
        public string? LogFormat { get; set; }

        [CommandOption("--drain-timeout <SECONDS>")]
        [Description("On SIGTERM or Ctrl+C (or a drain asked for in the console) the worker claims nothing new and waits this long for its runs, then stops them and reports them Crashed; default 600 (10 min), 0 stops them at once. A second SIGTERM or Ctrl+C stops at once")]
        public int? DrainTimeout { get; set; }

        [CommandOption("--metrics-port <PORT>")]
        [Description("Serve the worker's /metrics (Prometheus) and /health on this loopback port (Worker__MetricsAddress to bind another address)")]
        public int? MetricsPort { get; set; }

        public override ValidationResult Validate() =>
            Pools.Length == 0 ? ValidationResult.Error("--pool is required: the work pool this worker serves.")
            : LogFormat is not (null or "text" or "json") ? ValidationResult.Error($"--log-format is 'text' or 'json', not '{LogFormat}'.")
            : DrainTimeout is < 0 or > 604800 ? ValidationResult.Error("--drain-timeout is 0 to 604800 seconds (7 days).")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (await workerPools.EnsureAsync(settings.Pools, settings.Type, cancellationToken) is { } missing)
        {
            output.Console.MarkupLine($"[red bold]Error:[/] [red]{Markup.Escape(missing)}[/]");
            return ExitCodes.Error;
        }

        var config = new Dictionary<string, string?>
        {
            [$"{WorkerOptions.Section}:{nameof(WorkerOptions.Enabled)}"] = "true",
            [$"{WorkerOptions.Section}:{nameof(WorkerOptions.ApiUrl)}"] = cli.ApiUrl,
            // Checked above; a pool deleted while the worker runs must not come back as a process pool.
            [$"{WorkerOptions.Section}:{nameof(WorkerOptions.CreatePoolIfMissing)}"] = "false",
            // The worker is this process: a stop drains first, and a finished drain ends it.
            [$"{WorkerOptions.Section}:{nameof(WorkerOptions.DrainOnStop)}"] = "true",
        };
        for (var i = 0; i < settings.Pools.Length; i++)
        {
            config[$"{WorkerOptions.Section}:{nameof(WorkerOptions.Pools)}:{i}"] = settings.Pools[i];
        }

        for (var i = 0; i < settings.Queues.Length; i++)
        {
            config[$"{WorkerOptions.Section}:{nameof(WorkerOptions.Queues)}:{i}"] = settings.Queues[i];
        }

        Set(config, nameof(WorkerOptions.Name), settings.Name);
        Set(config, nameof(WorkerOptions.Limit), settings.Limit?.ToString(CultureInfo.InvariantCulture));
        Set(config, nameof(WorkerOptions.Type), settings.Type);
        Set(config, nameof(WorkerOptions.MetricsPort), settings.MetricsPort?.ToString(CultureInfo.InvariantCulture));
        Set(config, nameof(WorkerOptions.DrainTimeoutSeconds), settings.DrainTimeout?.ToString(CultureInfo.InvariantCulture));
        if (settings.LogFormat == "json")
        {
            config["Logging:Console:FormatterName"] = "json";
        }

        Set(config, nameof(WorkerOptions.StateDirectory), settings.StateDirectory ?? DefaultStateDirectory(settings.Pools));
        Set(config, nameof(WorkerOptions.ApiKey), cli.ApiKey);

        var pools = string.Join(", ", settings.Pools.Select(p => $"'{p}'"));
        try
        {
            await runner.RunAsync(config, name =>
            {
                output.Console.MarkupLine($"[green]Worker '{Markup.Escape(name)}' started[/] for work pool {Markup.Escape(pools)}"
                    + (settings.Queues.Length > 0 ? $", queues {Markup.Escape(string.Join(", ", settings.Queues))}" : string.Empty)
                    + $", against {Markup.Escape(cli.ApiUrl)}.");
                output.Console.MarkupLine("[grey]It polls for scheduled flow runs and runs them. Press Ctrl+C to stop it: it finishes its runs first (Ctrl+C again stops at once).[/]");
            }, cancellationToken);
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                output.Console.MarkupLine($"[red]{Markup.Escape(failure)}[/]");
            }

            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C before the worker was up: a normal stop.
        }

        output.Console.MarkupLine("[grey]Worker stopped.[/]");
        return ExitCodes.Success;
    }

    /// <summary>
    /// Without a state folder a restarted worker would get a new random name and never find its
    /// running containers again; one folder per pool set keeps the name per "kind" of worker
    /// (a second worker started alongside takes the next slot, see WorkerIdentity).
    /// Worker__StateDirectory in the environment wins.
    /// </summary>
    private static string? DefaultStateDirectory(IEnumerable<string> pools)
    {
        if (Environment.GetEnvironmentVariable("Worker__StateDirectory") is { Length: > 0 })
        {
            return null;
        }

        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        return Path.Combine(string.IsNullOrEmpty(data) ? Path.GetTempPath() : data, "console", "workers", string.Join('+', pools.Order(StringComparer.Ordinal)));
    }

    private static void Set(Dictionary<string, string?> config, string key, string? value)
    {
        if (value is not null)
        {
            config[$"{WorkerOptions.Section}:{key}"] = value;
        }
    }
}

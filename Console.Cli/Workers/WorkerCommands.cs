using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Workers;

/// <summary><c>cx worker ls [--pool P]</c>: the workers the server knows, with their status.</summary>
public sealed class WorkerListCommand(ApiClient api, CliOutput output) : AsyncCommand<WorkerListCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("-p|--pool <POOL>")]
        [Description("Only this work pool's workers")]
        public string? Pool { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.GetAsync(settings.Pool is null ? "/api/workers" : $"/api/work-pools/{ApiClient.Segment(settings.Pool)}/workers", cancellationToken);
        output.Show(node, () =>
        {
            var table = CliOutput.NewTable("Name", "Pool", "Status", "Last heartbeat", "Running runs");
            foreach (var worker in ApiClient.As<List<WorkerDto>>(node))
            {
                table.AddRow(Markup.Escape(worker.Name), Markup.Escape(worker.PoolName), Formats.Status(worker.Status),
                    Formats.Ago(worker.LastHeartbeatAt), Formats.Number(worker.RunningRuns));
            }

            return table;
        });
        return ExitCodes.Success;
    }
}

/// <summary><c>cx worker drain POOL WORKER</c>: the REST drain, for a worker running anywhere.</summary>
public sealed class WorkerDrainCommand(ApiClient api, CliOutput output) : AsyncCommand<WorkerDrainCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<POOL>")]
        [Description("The worker's work pool")]
        public string Pool { get; set; } = string.Empty;

        [CommandArgument(1, "<WORKER>")]
        [Description("The worker's name (see 'worker ls')")]
        public string Worker { get; set; } = string.Empty;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PostAsync(
            $"/api/work-pools/{ApiClient.Segment(settings.Pool)}/workers/{ApiClient.Segment(settings.Worker)}/drain", null, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            var worker = ApiClient.As<WorkerDto>(node);
            output.Success($"Worker '{worker.Name}' of pool '{worker.PoolName}' is draining: it claims no new runs, "
                + $"finishes its {worker.RunningRuns} running run(s) (up to its --drain-timeout) and exits.");
        }

        return ExitCodes.Success;
    }
}

using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.WorkQueues;

public sealed class WorkQueueInspectCommand(ApiClient api, CliOutput output) : AsyncCommand<QueueSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, QueueSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.GetAsync(settings.Path, cancellationToken);
        output.Show(node, () =>
        {
            var queue = ApiClient.As<WorkQueueDto>(node);
            return CliOutput.Details(
            [
                ("Name", Markup.Escape(queue.Name)),
                ("Pool", Markup.Escape(queue.PoolName)),
                ("Id", queue.Id.ToString()),
                ("Status", Formats.Status(queue.Status) + (queue.Status == QueueStatus.NotReady ? " [grey](no worker is polling this queue)[/]" : string.Empty)),
                ("Priority", Formats.Number(queue.Priority)),
                ("Weight", Formats.Number(queue.Weight)),
                ("Concurrency limit", Formats.Number(queue.ConcurrencyLimit)),
                ("Paused", queue.IsPaused ? "yes" : "no"),
                ("Description", Formats.Text(queue.Description)),
                ("Last polled", $"{Formats.Time(queue.LastPolledAt)} ({Formats.Ago(queue.LastPolledAt)})"),
                ("Scheduled runs", Formats.Number(queue.ScheduledRuns)),
                ("Late runs", Formats.Number(queue.LateRuns)),
            ]);
        });
        return ExitCodes.Success;
    }
}

public sealed class WorkQueuePauseCommand(ApiClient api, CliOutput output) : AsyncCommand<QueueSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, QueueSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PostAsync(settings.Path + "/pause", null, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            output.Success($"Paused work queue '{settings.Name}' of pool '{settings.Pool}'.");
        }

        return ExitCodes.Success;
    }
}

public sealed class WorkQueueResumeCommand(ApiClient api, CliOutput output) : AsyncCommand<QueueSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, QueueSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PostAsync(settings.Path + "/resume", null, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            output.Success($"Resumed work queue '{settings.Name}' of pool '{settings.Pool}'.");
        }

        return ExitCodes.Success;
    }
}

public sealed class WorkQueueDeleteCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<WorkQueueDeleteCommand.Settings>
{
    public sealed class Settings : QueueSettings
    {
        [CommandOption("-y|--yes")]
        [Description("Do not ask for confirmation")]
        public bool Yes { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Yes && cli.CanPrompt(output.Console)
            && !await output.Console.ConfirmAsync($"Delete work queue '{Markup.Escape(settings.Name)}' of pool '{Markup.Escape(settings.Pool!)}'?", defaultValue: false, cancellationToken))
        {
            output.Note("Nothing deleted.");
            return ExitCodes.Success;
        }

        await api.DeleteAsync(settings.Path, cancellationToken);
        output.Success($"Deleted work queue '{settings.Name}' of pool '{settings.Pool}'.");
        return ExitCodes.Success;
    }
}

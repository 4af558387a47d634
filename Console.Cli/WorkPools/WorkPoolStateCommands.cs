using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.WorkPools;

public sealed class WorkPoolPauseCommand(ApiClient api, CliOutput output) : AsyncCommand<PoolNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PoolNameSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PostAsync($"/api/work-pools/{ApiClient.Segment(settings.Name)}/pause", null, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            output.Success($"Paused work pool '{settings.Name}': workers claim none of its runs until it is resumed.");
        }

        return ExitCodes.Success;
    }
}

public sealed class WorkPoolResumeCommand(ApiClient api, CliOutput output) : AsyncCommand<PoolNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PoolNameSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PostAsync($"/api/work-pools/{ApiClient.Segment(settings.Name)}/resume", null, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            output.Success($"Resumed work pool '{settings.Name}' (status: {ApiClient.As<WorkPoolDto>(node).Status}).");
        }

        return ExitCodes.Success;
    }
}

public sealed class WorkPoolDeleteCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<WorkPoolDeleteCommand.Settings>
{
    public sealed class Settings : PoolNameSettings
    {
        [CommandOption("-y|--yes")]
        [Description("Do not ask for confirmation")]
        public bool Yes { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Yes && cli.CanPrompt(output.Console)
            && !await output.Console.ConfirmAsync($"Delete work pool '{Markup.Escape(settings.Name)}' with its queues?", defaultValue: false, cancellationToken))
        {
            output.Note("Nothing deleted.");
            return ExitCodes.Success;
        }

        await api.DeleteAsync($"/api/work-pools/{ApiClient.Segment(settings.Name)}", cancellationToken);
        output.Success($"Deleted work pool '{settings.Name}'.");
        return ExitCodes.Success;
    }
}

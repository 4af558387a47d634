using System.ComponentModel;
using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Spectre.Console.Cli;

namespace Console.Cli.WorkQueues;

public sealed class WorkQueueUpdateCommand(ApiClient api, CliOutput output) : AsyncCommand<WorkQueueUpdateCommand.Settings>
{
    public sealed class Settings : QueueSettings
    {
        [CommandOption("--priority <N>")]
        public int? Priority { get; set; }

        [CommandOption("-l|--limit <N>")]
        [Description("At most N runs of this queue at once")]
        public int? Limit { get; set; }

        [CommandOption("--weight <N>")]
        [Description("Its share of claims among queues of the same priority (1-1000)")]
        public int? Weight { get; set; }

        [CommandOption("--no-limit")]
        [Description("Remove the concurrency limit")]
        public bool NoLimit { get; set; }

        [CommandOption("--description <TEXT>")]
        public string? Description { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var patch = new JsonObject();
        if (settings.Priority is not null)
        {
            patch["priority"] = settings.Priority;
        }

        if (settings.Limit is not null || settings.NoLimit)
        {
            patch["concurrencyLimit"] = settings.Limit;
        }

        if (settings.Weight is not null)
        {
            patch["weight"] = settings.Weight;
        }

        if (settings.Description is not null)
        {
            patch["description"] = settings.Description;
        }

        if (patch.Count == 0)
        {
            throw new UsageException("Nothing to update: pass --priority, --weight, --limit, --no-limit or --description.");
        }

        var node = await api.PatchAsync(settings.Path, patch, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            output.Success($"Updated work queue '{settings.Name}' of pool '{settings.Pool}'.");
        }

        return ExitCodes.Success;
    }
}

using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console.Cli;

namespace Console.Cli.WorkQueues;

public sealed class WorkQueueCreateCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<WorkQueueCreateCommand.Settings>
{
    public sealed class Settings : QueueSettings
    {
        [CommandOption("--priority <N>")]
        [Description("Lower numbers are served first (the default queue has 1)")]
        public int? Priority { get; set; }

        [CommandOption("-l|--limit <N>")]
        [Description("At most N runs of this queue at once")]
        public int? Limit { get; set; }

        [CommandOption("--weight <N>")]
        [Description("Its share of claims among queues of the same priority (1-1000, default 1)")]
        public int? Weight { get; set; }

        [CommandOption("--description <TEXT>")]
        public string? Description { get; set; }

        [CommandOption("--paused")]
        public bool Paused { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var request = new CreateWorkQueueRequest
        {
            Name = settings.Name,
            Priority = settings.Priority,
            ConcurrencyLimit = settings.Limit,
            Weight = settings.Weight,
            Description = settings.Description,
            IsPaused = settings.Paused ? true : null,
        };
        var node = await api.PostAsync($"/api/work-pools/{ApiClient.Segment(settings.Pool!)}/queues", request, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
            return ExitCodes.Success;
        }

        var queue = ApiClient.As<WorkQueueDto>(node);
        output.Success($"Created work queue '{queue.Name}' in pool '{queue.PoolName}' with priority {queue.Priority}"
            + (queue.Weight != 1 ? $", weight {queue.Weight}" : "")
            + (queue.ConcurrencyLimit is { } limit ? $" and concurrency limit {limit}." : "."));
        output.Hint("A worker serves it with:", cli.Command($"worker start --pool {queue.PoolName} --work-queue {queue.Name}"));
        return ExitCodes.Success;
    }
}

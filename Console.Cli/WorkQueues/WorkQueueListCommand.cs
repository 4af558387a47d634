using System.ComponentModel;
using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.WorkQueues;

public sealed class WorkQueueListCommand(ApiClient api, CliOutput output) : AsyncCommand<WorkQueueListCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("-p|--pool <POOL>")]
        [Description("Only this pool's queues (default: every pool's)")]
        public string? Pool { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var pools = settings.Pool is { } one
            ? [one]
            : (await api.GetAsync<List<WorkPoolDto>>("/api/work-pools", cancellationToken)).Select(p => p.Name).ToList();
        var all = new JsonArray();
        foreach (var pool in pools)
        {
            if (await api.GetAsync($"/api/work-pools/{ApiClient.Segment(pool)}/queues", cancellationToken) is JsonArray queues)
            {
                foreach (var queue in queues)
                {
                    all.Add(queue?.DeepClone());
                }
            }
        }

        output.Show(all, () =>
        {
            var table = CliOutput.NewTable("Pool", "Name", "Priority", "Weight", "Concurrency limit", "Status", "Last polled", "Scheduled", "Late")
                .Title("Work queues");
            foreach (var queue in ApiClient.As<List<WorkQueueDto>>(all))
            {
                table.AddRow(
                    Markup.Escape(queue.PoolName), Markup.Escape(queue.Name), Formats.Number(queue.Priority),
                    Formats.Number(queue.Weight), Formats.Number(queue.ConcurrencyLimit), Formats.Status(queue.Status), Formats.Ago(queue.LastPolledAt),
                    Formats.Number(queue.ScheduledRuns), queue.LateRuns > 0 ? $"[yellow]{queue.LateRuns}[/]" : "0");
            }

            return table;
        });
        return ExitCodes.Success;
    }
}

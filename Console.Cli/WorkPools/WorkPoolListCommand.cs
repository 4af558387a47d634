using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.WorkPools;

public sealed class WorkPoolListCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<CliSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CliSettings settings, CancellationToken cancellationToken)
    {
        var node = await api.GetAsync("/api/work-pools", cancellationToken);
        var pools = ApiClient.As<List<WorkPoolDto>>(node);
        if (!output.IsJson && pools.Count == 0)
        {
            output.Hint("No work pools yet. Create one with:", cli.Command("work-pool create --type process my-pool"));
            return ExitCodes.Success;
        }

        output.Show(node, () =>
        {
            var table = CliOutput.NewTable("Name", "Type", "Status", "Concurrency limit", "Last polled", "Description").Title("Work pools");
            foreach (var pool in pools)
            {
                table.AddRow(
                    Markup.Escape(pool.Name), Markup.Escape(pool.Type), Formats.Status(pool.Status),
                    Formats.Number(pool.ConcurrencyLimit), Formats.Ago(pool.LastPolledAt), Formats.Text(pool.Description));
            }

            return table;
        });
        return ExitCodes.Success;
    }
}

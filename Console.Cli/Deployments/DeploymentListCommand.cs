using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Deployments;

public sealed class DeploymentListCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<DeploymentListCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("-p|--pool <POOL>")]
        [Description("Only deployments on this work pool")]
        public string? Pool { get; set; }

        [CommandOption("--flow <FLOW>")]
        [Description("Only deployments of this flow")]
        public string? Flow { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var query = new List<string>();
        if (settings.Pool is not null)
        {
            query.Add($"pool={ApiClient.Segment(settings.Pool)}");
        }

        if (settings.Flow is not null)
        {
            query.Add($"flow={ApiClient.Segment(settings.Flow)}");
        }

        var node = await api.GetAsync("/api/deployments" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty), cancellationToken);
        var deployments = ApiClient.As<List<DeploymentDto>>(node);
        if (!output.IsJson && deployments.Count == 0)
        {
            output.Hint("No deployments. Deploy a flow from its project folder with:", cli.Command("deploy"));
            return ExitCodes.Success;
        }

        output.Show(node, () =>
        {
            var table = CliOutput.NewTable("Name", "Work pool", "Queue", "Schedules", "Status", "Entrypoint").Title("Deployments");
            foreach (var d in deployments)
            {
                table.AddRow(
                    Markup.Escape($"{d.FlowName}/{d.Name}"), Markup.Escape(d.WorkPoolName), Markup.Escape(d.WorkQueueName),
                    d.Schedules.Count == 0 ? Formats.None : Markup.Escape(string.Join(", ", d.Schedules.Select(DeploymentInspectCommand.Describe))),
                    d.IsPaused ? "[grey]Paused[/]" : Formats.Status(d.Status), Markup.Escape(d.Entrypoint));
            }

            return table;
        });
        return ExitCodes.Success;
    }
}

using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.FlowRuns;

public sealed class FlowRunListCommand(ApiClient api, CliOutput output) : AsyncCommand<FlowRunListCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("-p|--pool <POOL>")]
        public string? Pool { get; set; }

        [CommandOption("-q|--work-queue <QUEUE>")]
        public string? Queue { get; set; }

        [CommandOption("-s|--state <STATE>")]
        [Description("Scheduled, Late, Pending, Running, Completed, Failed, Cancelling, Cancelled or Crashed")]
        public string? State { get; set; }

        [CommandOption("--worker <NAME>")]
        public string? Worker { get; set; }

        [CommandOption("-l|--limit <N>")]
        [Description("At most N runs, newest first (default 20)")]
        public int Limit { get; set; } = 20;

        public override ValidationResult Validate() =>
            State is not null && !Enum.TryParse<FlowRunState>(State, ignoreCase: true, out _)
                ? ValidationResult.Error($"--state is one of {string.Join(", ", Enum.GetNames<FlowRunState>())}.")
                : Limit < 1 ? ValidationResult.Error("--limit must be at least 1.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var query = new List<string> { $"limit={settings.Limit}" };
        Add(query, "pool", settings.Pool);
        Add(query, "queue", settings.Queue);
        Add(query, "worker", settings.Worker);
        Add(query, "state", settings.State is null ? null : Enum.Parse<FlowRunState>(settings.State, ignoreCase: true).ToString());
        var node = await api.GetAsync("/api/flow-runs?" + string.Join('&', query), cancellationToken);
        output.Show(node, () =>
        {
            var runs = ApiClient.As<List<FlowRunDto>>(node);
            var table = CliOutput.NewTable("Id", "Name", "Deployment", "Work pool", "State", "Worker", "Start").Title("Flow runs");
            foreach (var run in runs)
            {
                table.AddRow(
                    run.Id.ToString(), Markup.Escape(run.Name), Markup.Escape($"{run.FlowName}/{run.DeploymentName}"),
                    Markup.Escape(run.WorkPoolName), Formats.State(run.State), Formats.Text(run.WorkerName),
                    Formats.Ago(run.StartedAt ?? run.ExpectedStartAt));
            }

            return runs.Count == 0 ? new Markup("[grey]No flow runs.[/]") : table;
        });
        return ExitCodes.Success;
    }

    private static void Add(List<string> query, string name, string? value)
    {
        if (value is not null)
        {
            query.Add($"{name}={ApiClient.Segment(value)}");
        }
    }
}

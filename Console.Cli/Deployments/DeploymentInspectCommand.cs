using System.Globalization;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Console.Contracts.Deployments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Deployments;

public sealed class DeploymentInspectCommand(ApiClient api, CliOutput output) : AsyncCommand<DeploymentSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DeploymentSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await settings.FindNodeAsync(api, cancellationToken);
        output.Show(node, () =>
        {
            var d = ApiClient.As<DeploymentDto>(node);
            return new Rows(
                CliOutput.Details(
                [
                    ("Name", Markup.Escape($"{d.FlowName}/{d.Name}")),
                    ("Id", d.Id.ToString()),
                    ("Entrypoint", Markup.Escape(d.Entrypoint)),
                    ("Command", Formats.Text(d.Command)),
                    ("Work pool", Markup.Escape(d.WorkPoolName)),
                    ("Work queue", Markup.Escape(d.WorkQueueName)),
                    ("Status", Formats.Status(d.Status)),
                    ("Paused", d.IsPaused ? "yes" : "no"),
                    ("Schedules", d.Schedules.Count == 0 ? Formats.None : Markup.Escape(string.Join(", ", d.Schedules.Select(Describe)))),
                    ("Concurrency limit", d.ConcurrencyLimit is { } limit ? $"{limit} ({d.CollisionStrategy})" : "unlimited"),
                    ("Retries", Markup.Escape(RunPolicyText.Retries(d.Retries))),
                    ("Timeout", d.TimeoutSeconds is { } timeout ? $"{timeout} s" : Formats.None),
                    ("Late policy", Markup.Escape(RunPolicyText.Late(d.LatePolicy))),
                    ("Description", Formats.Text(d.Description)),
                    ("Created", Formats.Time(d.CreatedAt)),
                    ("Updated", Formats.Time(d.UpdatedAt)),
                ]),
                new Panel(new Text(CliOutput.Pretty(d.JobVariables))).Header("Job variables"),
                new Panel(new Text(CliOutput.Pretty(d.Parameters))).Header("Parameters"));
        });
        return ExitCodes.Success;
    }

    public static string Describe(ScheduleDto schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var what = schedule.Cron is not null
            ? $"cron '{schedule.Cron}'" + (schedule.Timezone is null ? string.Empty : $" ({schedule.Timezone})")
            : $"every {schedule.IntervalSeconds?.ToString(CultureInfo.InvariantCulture)}s";
        return schedule.Active ? what : what + " (inactive)";
    }
}

public sealed class DeploymentDeleteCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<DeploymentDeleteCommand.Settings>
{
    public sealed class Settings : DeploymentSettings
    {
        [CommandOption("-y|--yes")]
        [System.ComponentModel.Description("Do not ask for confirmation")]
        public bool Yes { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var deployment = await settings.FindAsync(api, cancellationToken);
        var name = $"{deployment.FlowName}/{deployment.Name}";
        if (!settings.Yes && cli.CanPrompt(output.Console)
            && !await output.Console.ConfirmAsync($"Delete deployment '{Markup.Escape(name)}'? Its runs that have not started are cancelled.", defaultValue: false, cancellationToken))
        {
            output.Note("Nothing deleted.");
            return ExitCodes.Success;
        }

        await api.DeleteAsync($"/api/deployments/{deployment.Id}", cancellationToken);
        output.Success($"Deleted deployment '{name}'.");
        return ExitCodes.Success;
    }
}

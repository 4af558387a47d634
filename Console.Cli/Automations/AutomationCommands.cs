using System.ComponentModel;
using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts.Automations;
using Console.Projects.Flows;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Automations;

public class AutomationNameSettings : CliSettings
{
    [CommandArgument(0, "<NAME>")]
    [Description("The automation's name (or id)")]
    public string Name { get; set; } = string.Empty;
}

public sealed class AutomationListCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<CliSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CliSettings settings, CancellationToken cancellationToken)
    {
        var node = await api.GetAsync("/api/automations", cancellationToken);
        var automations = ApiClient.As<List<AutomationDto>>(node);
        if (!output.IsJson && automations.Count == 0)
        {
            output.Hint("No automations yet. Write one in automation.yaml (docs/automations.md) and create it with:", cli.Command("automation create -f automation.yaml"));
            return ExitCodes.Success;
        }

        output.Show(node, () =>
        {
            var table = CliOutput.NewTable("Name", "Enabled", "Trigger", "Actions", "Cooldown", "Last fired").Title("Automations");
            foreach (var a in automations)
            {
                table.AddRow(Markup.Escape(a.Name), a.Enabled ? "[green]yes[/]" : "[grey]no[/]", Markup.Escape(AutomationText.Trigger(a.Trigger)),
                    Markup.Escape(string.Join(", ", a.Actions.Select(x => x.Type))), Formats.Number(a.CooldownSeconds), Formats.Ago(a.LastFiredAt));
            }

            return table;
        });
        return ExitCodes.Success;
    }
}

public sealed class AutomationInspectCommand(ApiClient api, CliOutput output) : AsyncCommand<AutomationNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AutomationNameSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.GetAsync($"/api/automations/{ApiClient.Segment(settings.Name)}", cancellationToken);
        var automation = ApiClient.As<AutomationDto>(node);
        var deliveries = await api.GetAsync<List<DeliveryDto>>($"/api/automations/{automation.Id}/deliveries?limit=10", cancellationToken);
        output.Show(node, () =>
        {
            var table = CliOutput.NewTable("Delivery", "Action", "Attempt", "Outcome", "Status", "Error", "At").Title("Recent deliveries");
            foreach (var d in deliveries)
            {
                table.AddRow(d.Id.ToString()[..8], Markup.Escape(d.Action), Formats.Number(d.Attempt), Markup.Escape(d.Outcome),
                    Formats.Number(d.StatusCode), Formats.Text(d.Error), Formats.Ago(d.At));
            }

            return new Rows(
                CliOutput.Details(
                [
                    ("Name", Markup.Escape(automation.Name)),
                    ("Id", automation.Id.ToString()),
                    ("Enabled", automation.Enabled ? "yes" : "no"),
                    ("Description", Formats.Text(automation.Description)),
                    ("Trigger", Markup.Escape(AutomationText.Trigger(automation.Trigger))),
                    ("Cooldown", automation.CooldownSeconds is { } c ? $"{c} s" : Formats.Text(null)),
                    ("Last fired", Formats.Ago(automation.LastFiredAt)),
                ]),
                new Panel(new Text(CliOutput.Pretty(node?["actions"]))).Header("Actions").Border(BoxBorder.Rounded),
                table);
        });
        return ExitCodes.Success;
    }
}

public sealed class AutomationCreateCommand(ApiClient api, CliOutput output) : AsyncCommand<AutomationCreateCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("-f|--file <FILE>")]
        [Description("The automation as YAML (or JSON): name, description, enabled, trigger, actions, cooldownSeconds")]
        public string File { get; set; } = string.Empty;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrEmpty(settings.File))
        {
            throw new UsageException("Name the automation's file with -f automation.yaml.");
        }

        if (!System.IO.File.Exists(settings.File))
        {
            throw new UsageException($"There is no file '{settings.File}'.");
        }

        var body = YamlDocuments.ToJson(await System.IO.File.ReadAllTextAsync(settings.File, cancellationToken), settings.File) as JsonObject
            ?? throw new UsageException($"'{settings.File}' does not hold a mapping (name:, trigger:, actions: ...).");
        var node = await api.PostAsync("/api/automations", body, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            var created = ApiClient.As<AutomationDto>(node);
            output.Success($"Created automation '{created.Name}' ({(created.Enabled ? "enabled" : "disabled")}): {AutomationText.Trigger(created.Trigger)}.");
        }

        return ExitCodes.Success;
    }
}

public sealed class AutomationEnableCommand(ApiClient api, CliOutput output) : AsyncCommand<AutomationNameSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, AutomationNameSettings settings, CancellationToken cancellationToken) =>
        AutomationText.SetEnabledAsync(api, output, settings, true, cancellationToken);
}

public sealed class AutomationDisableCommand(ApiClient api, CliOutput output) : AsyncCommand<AutomationNameSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, AutomationNameSettings settings, CancellationToken cancellationToken) =>
        AutomationText.SetEnabledAsync(api, output, settings, false, cancellationToken);
}

public sealed class AutomationDeleteCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<AutomationDeleteCommand.Settings>
{
    public sealed class Settings : AutomationNameSettings
    {
        [CommandOption("-y|--yes")]
        [Description("Do not ask for confirmation")]
        public bool Yes { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.Yes && cli.CanPrompt(output.Console)
            && !await output.Console.ConfirmAsync($"Delete automation '{Markup.Escape(settings.Name)}' and its deliveries?", defaultValue: false, cancellationToken))
        {
            output.Note("Nothing deleted.");
            return ExitCodes.Success;
        }

        await api.DeleteAsync($"/api/automations/{ApiClient.Segment(settings.Name)}", cancellationToken);
        output.Success($"Deleted automation '{settings.Name}'.");
        return ExitCodes.Success;
    }
}

public sealed class AutomationTestCommand(ApiClient api, CliOutput output) : AsyncCommand<AutomationNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AutomationNameSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PostAsync($"/api/automations/{ApiClient.Segment(settings.Name)}/test", null, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            var result = ApiClient.As<AutomationTestResult>(node);
            output.Success($"Fired {result.Deliveries.Count} action(s) with a sample event; see how they went with 'automation inspect {settings.Name}'.");
        }

        return ExitCodes.Success;
    }
}

internal static class AutomationText
{
    public static string Trigger(AutomationTrigger t) => t.Type switch
    {
        TriggerTypes.FlowRunState => $"a run turns {string.Join("|", t.States ?? [])}{Scope(t)}",
        TriggerTypes.FlowRunLate => $"a run is {t.AfterSeconds} s late{Scope(t)}",
        TriggerTypes.WorkerOffline => $"a worker goes offline{(t.Pool is null ? string.Empty : $" in {t.Pool}")}",
        TriggerTypes.QueueNotReady => $"{(t.Queue is null ? "a queue" : $"queue {t.Queue}")} of {t.Pool} not ready for {t.ForSeconds} s",
        TriggerTypes.Absence => $"no {t.State} run of {t.Deployment} within {t.WithinSeconds} s",
        _ => t.Type ?? "?",
    };

    private static string Scope(AutomationTrigger t) =>
        (t.Pool is null ? string.Empty : $" in {t.Pool}") + (t.Deployment is null ? string.Empty : $" of {t.Deployment}");

    public static async Task<int> SetEnabledAsync(ApiClient api, CliOutput output, AutomationNameSettings settings, bool enabled, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PatchAsync($"/api/automations/{ApiClient.Segment(settings.Name)}", new JsonObject { ["enabled"] = enabled }, ct);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            output.Success($"{(enabled ? "Enabled" : "Disabled")} automation '{settings.Name}'.");
        }

        return ExitCodes.Success;
    }
}

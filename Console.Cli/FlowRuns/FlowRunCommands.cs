using System.ComponentModel;
using System.Globalization;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.FlowRuns;

public sealed class FlowRunInspectCommand(ApiClient api, CliOutput output) : AsyncCommand<FlowRunSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, FlowRunSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.GetAsync($"/api/flow-runs/{settings.RunId}", cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
            return ExitCodes.Success;
        }

        var run = ApiClient.As<FlowRunDto>(node);
        var history = await api.GetAsync<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history", cancellationToken);
        var diagnosis = await api.GetAsync<DiagnosisDto>($"/api/flow-runs/{run.Id}/diagnosis", cancellationToken);
        var waits = await api.GetAsync<List<FlowRunWaitDto>>($"/api/flow-runs/{run.Id}/waits", cancellationToken);
        var waited = CliOutput.NewTable("From", "For", "Attempt", "Reasons");
        foreach (var wait in waits)
        {
            waited.AddRow(Formats.Time(wait.From), Markup.Escape(Durations.Format((wait.To ?? diagnosis.CheckedAt) - wait.From)),
                wait.Attempt.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(" ", wait.Reasons)));
        }

        var timeline = CliOutput.NewTable("When", "Attempt", "State", "Message");
        foreach (var change in history)
        {
            timeline.AddRow(Formats.Time(change.Timestamp), change.Attempt.ToString(CultureInfo.InvariantCulture), Formats.State(change.State), Formats.Text(change.Message));
        }

        output.Console.Write(new Rows(
            CliOutput.Details(
            [
                ("Name", Markup.Escape(run.Name)),
                ("Id", run.Id.ToString()),
                ("Deployment", Markup.Escape($"{run.FlowName}/{run.DeploymentName}")),
                ("Work pool", Markup.Escape(run.WorkPoolName)),
                ("Work queue", Markup.Escape(run.WorkQueueName)),
                ("State", Formats.State(run.State) + (string.IsNullOrEmpty(run.StateMessage) ? string.Empty : $" [grey]{Markup.Escape(run.StateMessage)}[/]")),
                ("Attempt", $"{run.Attempt} of {run.MaxAttempts}"),
                ("Next attempt", run.State == FlowRunState.AwaitingRetry && run.NextAttemptAt is { } next ? Formats.Time(next) : Formats.None),
                ("Timeout", run.TimeoutSeconds is { } timeout ? $"{timeout} s" : Formats.None),
                ("Exit code", run.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? Formats.None),
                ("Worker", Formats.Text(run.WorkerName)),
                ("Infrastructure", Formats.Text(run.InfrastructureId)),
                ("Expected start", Formats.Time(run.ExpectedStartAt)),
                ("Started", Formats.Time(run.StartedAt)),
                ("Ended", Formats.Time(run.EndedAt)),
                ("CPU time", run.Usage?.CpuSeconds is { } cpu ? UsageFormat.Cpu(cpu) : Formats.None),
                ("Peak memory", run.Usage?.PeakMemoryBytes is { } peak ? UsageFormat.Bytes(peak) : Formats.None),
                ("Waited", run.Usage?.WaitSeconds is { } waitSeconds ? UsageFormat.Seconds(waitSeconds) : Formats.None),
                ("Ran", run.Usage?.RunSeconds is { } ran ? UsageFormat.Seconds(ran) : Formats.None),
            ]),
            new Panel(new Text(CliOutput.Pretty(run.Parameters))).Header("Parameters"),
            new Panel(new Text(CliOutput.Pretty(run.JobVariables))).Header("Job variables"),
            timeline.Title("State timeline"),
            waits.Count == 0 ? new Text("No recorded waits.") : waited.Title(Markup.Escape(WaitText.Summary(waits, diagnosis.CheckedAt)!)),
            new Panel(new Text(DiagnosisText.Render(diagnosis).TrimEnd())).Header(run.State.IsActive() || run.State.IsTerminal() ? "What it is doing" : "Why it is waiting")));
        return ExitCodes.Success;
    }
}

public sealed class FlowRunLogsCommand(ApiClient api, CliOutput output, RunWatcher watcher) : AsyncCommand<FlowRunLogsCommand.Settings>
{
    public sealed class Settings : FlowRunSettings
    {
        [CommandOption("-f|--follow")]
        [Description("Keep printing new lines until the run finishes")]
        public bool Follow { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var run = await api.GetAsync<FlowRunDto>($"/api/flow-runs/{settings.RunId}", cancellationToken);
        if (output.IsJson && !settings.Follow)
        {
            output.Json(await api.GetAsync($"/api/flow-runs/{run.Id}/logs", cancellationToken));
            return ExitCodes.Success;
        }

        if (!settings.Follow || run.State.IsTerminal())
        {
            await RunWatcher.ReadLogsAsync(api, run.Id, new RunPrinter(output), cancellationToken);
            return ExitCodes.Success;
        }

        var final = await watcher.WatchAsync(run, showStates: false, cancellationToken);
        output.Line($"Flow run '{Markup.Escape(final.Name)}' finished as {Formats.State(final.State)}.");
        return ExitCodes.Success;
    }
}

public sealed class FlowRunCancelCommand(ApiClient api, CliOutput output) : AsyncCommand<FlowRunSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, FlowRunSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PostAsync($"/api/flow-runs/{settings.RunId}/cancel", null, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
            return ExitCodes.Success;
        }

        var run = ApiClient.As<FlowRunDto>(node);
        output.Success(run.State == FlowRunState.Cancelled
            ? $"Cancelled flow run '{run.Name}'."
            : $"Flow run '{run.Name}' is {run.State}: its worker stops it.");
        return ExitCodes.Success;
    }
}

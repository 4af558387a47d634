using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.FlowRuns;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Spectre.Console.Cli;

namespace Console.Cli.Deployments;

public sealed class DeploymentRunCommand(ApiClient api, CliOutput output, CliContext cli, RunWatcher watcher)
    : AsyncCommand<DeploymentRunCommand.Settings>
{
    public sealed class Settings : DeploymentSettings
    {
        [CommandOption("--param <KEY=VALUE>")]
        [Description("A flow parameter for this run; JSON values (numbers, true, {...}) stay JSON. Repeatable")]
        public string[] Params { get; set; } = [];

        [CommandOption("--job-variable <KEY=VALUE>")]
        [Description("A job variable override for this run (e.g. image=alpine:3). Repeatable")]
        public string[] JobVariables { get; set; } = [];

        [CommandOption("--start-in <SECONDS>")]
        [Description("Schedule the run this many seconds from now instead of now")]
        public int? StartIn { get; set; }

        [CommandOption("-w|--watch")]
        [Description("Follow the run's state and logs live, every attempt; the exit code is 0 only when it completes (a failed attempt that will be retried is not the end)")]
        public bool Watch { get; set; }

        [CommandOption("--idempotency-key <KEY>")]
        [Description("Sent as the Idempotency-Key header (a new random key when omitted): the same key for the same deployment within 24 h gives the first run instead of a new one; a lost answer (502/503/504, timeout) is resent with the same key")]
        public string? IdempotencyKey { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            IdempotencyKey is { } key && !IdempotencyKeys.IsValid(key.Trim())
                ? Spectre.Console.ValidationResult.Error($"--idempotency-key must be {IdempotencyKeys.Rule}.")
                : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var deployment = await settings.FindAsync(api, cancellationToken);
        var request = new CreateFlowRunRequest
        {
            Parameters = KeyValues.Parse(settings.Params, "--param"),
            JobVariables = KeyValues.Parse(settings.JobVariables, "--job-variable"),
            ScheduledStartAt = settings.StartIn is { } seconds ? DateTime.UtcNow.AddSeconds(seconds) : null,
        };
        var path = $"/api/deployments/{deployment.Id}/runs";
        // Always with a key (the user's or a new one): a lost answer is resent without making a second run.
        var node = await api.PostIdempotentAsync(path, request, settings.IdempotencyKey?.Trim(), cancellationToken);
        var run = ApiClient.As<FlowRunDto>(node);
        output.Success($"Created flow run '{run.Name}' of deployment '{deployment.FlowName}/{deployment.Name}'"
            + (run.MaxAttempts > 1 ? $" (up to {run.MaxAttempts} attempts)." : "."));
        output.Line($"[grey]Id:[/] {run.Id}");
        await HintWorkerAsync(deployment.WorkPoolName, cancellationToken);

        if (!settings.Watch)
        {
            if (output.IsJson)
            {
                output.Json(node);
            }
            else
            {
                output.Hint("Follow its logs with:", cli.Command($"flow-run logs {run.Id} --follow"));
            }

            return ExitCodes.Success;
        }

        var final = await watcher.WatchAsync(run, showStates: true, cancellationToken);
        if (output.IsJson)
        {
            output.Json(await api.GetAsync($"/api/flow-runs/{final.Id}", cancellationToken));
        }

        return FinalExitCode(output, final);
    }

    /// <summary>0 only for Completed (on whichever attempt); the reason is printed otherwise.</summary>
    public static int FinalExitCode(CliOutput output, FlowRunDto run)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(run);
        if (run.State == FlowRunState.Completed)
        {
            output.Success($"Flow run '{run.Name}' completed.");
            return ExitCodes.Success;
        }

        var why = (run.ExitCode is { } code ? $" with exit code {code}" : string.Empty)
            + (run.MaxAttempts > 1 ? $" on attempt {run.Attempt} of {run.MaxAttempts}" : string.Empty);
        var message = string.IsNullOrEmpty(run.StateMessage) ? string.Empty : $": {run.StateMessage}";
        output.Line($"[red]Flow run '{Spectre.Console.Markup.Escape(run.Name)}' finished as {run.State}{Spectre.Console.Markup.Escape(why + message)}[/]");
        return ExitCodes.Error;
    }

    private async Task HintWorkerAsync(string pool, CancellationToken ct)
    {
        var workers = await api.GetAsync<List<WorkerDto>>($"/api/work-pools/{ApiClient.Segment(pool)}/workers", ct);
        if (!workers.Any(w => w.Status == WorkerStatus.Online))
        {
            output.Hint($"No worker of work pool '{pool}' is online, so the run waits. Start one with:",
                cli.Command($"worker start --pool {pool}"));
        }
    }
}

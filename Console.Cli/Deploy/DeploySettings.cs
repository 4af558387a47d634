using System.ComponentModel;
using Console.Cli.Hosting;
using Console.Contracts.Deployments;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Deploy;

public sealed class DeploySettings : CliSettings
{
    [CommandArgument(0, "[ENTRYPOINT]")]
    [Description("The flow's file in this folder (default: discovered from console.yaml and '# flow: name' comments)")]
    public string? Entrypoint { get; set; }

    [CommandOption("-n|--name <NAME>")]
    [Description("The deployment's name; a deployment of that name in console.yaml supplies the rest")]
    public string? Name { get; set; }

    [CommandOption("-p|--pool <POOL>")]
    [Description("The work pool its runs go to")]
    public string? Pool { get; set; }

    [CommandOption("-q|--work-queue <QUEUE>")]
    [Description("The pool's queue (default: the pool's default queue)")]
    public string? Queue { get; set; }

    [CommandOption("--flow <FLOW>")]
    [Description("The flow's name (default: from discovery, else the entrypoint's file name)")]
    public string? Flow { get; set; }

    [CommandOption("--command <COMMAND>")]
    [Description("How the flow is started, e.g. 'sh flow.sh' (default: from the entrypoint's extension)")]
    public string? Command { get; set; }

    [CommandOption("--cron <CRON>")]
    [Description("Schedule runs with a cron expression")]
    public string? Cron { get; set; }

    [CommandOption("--interval <SECONDS>")]
    [Description("Schedule a run every SECONDS seconds")]
    public int? Interval { get; set; }

    [CommandOption("--timezone <TZ>")]
    [Description("The cron schedule's time zone (IANA name, default UTC)")]
    public string? Timezone { get; set; }

    [CommandOption("--job-variable <KEY=VALUE>")]
    [Description("A job variable of the pool's template (e.g. image=alpine:3, env={\"A\":\"1\"}). Repeatable")]
    public string[] JobVariables { get; set; } = [];

    [CommandOption("--param <KEY=VALUE>")]
    [Description("A default flow parameter; JSON values stay JSON. Repeatable")]
    public string[] Params { get; set; } = [];

    [CommandOption("--description <TEXT>")]
    public string? Description { get; set; }

    [CommandOption("--retries <N>")]
    [Description("Retry a run that ends Failed, Crashed or TimedOut up to N times (0-100; 0 = none)")]
    public int? Retries { get; set; }

    [CommandOption("--retry-delay <SECONDS>")]
    [Description("Seconds before a retry (default 10)")]
    public int? RetryDelay { get; set; }

    [CommandOption("--timeout <SECONDS>")]
    [Description("Stop a run still running after SECONDS; it ends TimedOut")]
    public int? Timeout { get; set; }

    [CommandOption("--skip-late-after <SECONDS>")]
    [Description("A run not started SECONDS after its scheduled time ends Skipped")]
    public int? SkipLateAfter { get; set; }

    [CommandOption("--max-scheduled <N>")]
    [Description("Keep at most N waiting runs; the oldest beyond are Skipped")]
    public int? MaxScheduled { get; set; }

    [CommandOption("--collision-strategy <STRATEGY>")]
    [Description("When the concurrency limit is full: Enqueue (wait, the default) or CancelNew")]
    public string? CollisionStrategy { get; set; }

    [CommandOption("--dry-run")]
    [Description("Check the deployment without saving anything: prints every preflight check and the job a worker would get; exit 1 when a check fails")]
    public bool DryRun { get; set; }

    [CommandOption("--save")]
    [Description("Save the deployment to console.yaml without asking")]
    public bool Save { get; set; }

    /// <summary>The parsed <see cref="CollisionStrategy"/> (names only, any case); null when absent or unknown.</summary>
    public CollisionStrategy? ParsedCollisionStrategy =>
        Enum.TryParse<CollisionStrategy>(CollisionStrategy, ignoreCase: true, out var s) && Enum.IsDefined(s) && !CollisionStrategy!.Any(char.IsAsciiDigit) ? s : null;

    public override ValidationResult Validate() =>
        Cron is not null && Interval is not null ? ValidationResult.Error("Use --cron or --interval, not both.")
        : DryRun && Save ? ValidationResult.Error("--dry-run saves nothing: leave out --save.")
        : Interval is < 1 ? ValidationResult.Error("--interval must be at least 1 second.")
        : Retries is < 0 or > 100 ? ValidationResult.Error("--retries must be from 0 to 100.")
        : RetryDelay is < 0 ? ValidationResult.Error("--retry-delay must be at least 0 seconds.")
        : Timeout is < 1 ? ValidationResult.Error("--timeout must be at least 1 second.")
        : SkipLateAfter is < 1 ? ValidationResult.Error("--skip-late-after must be at least 1 second.")
        : MaxScheduled is < 1 ? ValidationResult.Error("--max-scheduled must be at least 1.")
        : CollisionStrategy is not null && ParsedCollisionStrategy is null
            ? ValidationResult.Error($"--collision-strategy must be one of {string.Join(", ", Enum.GetNames<CollisionStrategy>())}, not '{CollisionStrategy}'.")
        : base.Validate();
}

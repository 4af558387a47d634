using System.ComponentModel;
using Console.Cli.Hosting;
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

    [CommandOption("--save")]
    [Description("Save the deployment to console.yaml without asking")]
    public bool Save { get; set; }

    public override ValidationResult Validate() =>
        Cron is not null && Interval is not null ? ValidationResult.Error("Use --cron or --interval, not both.")
        : Interval is < 1 ? ValidationResult.Error("--interval must be at least 1 second.")
        : base.Validate();
}

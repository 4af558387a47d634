using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.WorkQueues;

public class QueueSettings : CliSettings
{
    [CommandArgument(0, "<NAME>")]
    [Description("The work queue's name")]
    public string Name { get; set; } = string.Empty;

    [CommandOption("-p|--pool <POOL>")]
    [Description("The work pool the queue belongs to")]
    public string? Pool { get; set; }

    public string Path => $"/api/work-pools/{ApiClient.Segment(Pool!)}/queues/{ApiClient.Segment(Name)}";

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Pool) ? ValidationResult.Error("--pool is required.") : base.Validate();
}

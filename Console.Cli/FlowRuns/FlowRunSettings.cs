using System.ComponentModel;
using Console.Cli.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.FlowRuns;

public class FlowRunSettings : CliSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("The flow run's id")]
    public string Id { get; set; } = string.Empty;

    public Guid RunId => Guid.Parse(Id);

    public override ValidationResult Validate() =>
        Guid.TryParse(Id, out _) ? base.Validate() : ValidationResult.Error($"'{Id}' is not a flow run id (a GUID, as flow-run ls shows).");
}

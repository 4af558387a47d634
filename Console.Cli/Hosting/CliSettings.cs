using System.ComponentModel;
using Spectre.Console.Cli;

namespace Console.Cli.Hosting;

/// <summary>
/// Base of every command's settings. The global options are taken out of the arguments before
/// Spectre parses them (<see cref="GlobalOptions"/>); they are declared here so help lists them.
/// </summary>
public class CliSettings : CommandSettings
{
    [CommandOption("--api <URL>")]
    [Description("The console's address (else CONSOLE_API_URL, default http://127.0.0.1:5000). The key comes from CONSOLE_API_KEY")]
    public string? Api { get; set; }

    [CommandOption("--no-prompt")]
    [Description("Never prompt (also CONSOLE_CLI_PROMPT=0); may stand before the command")]
    public bool NoPrompt { get; set; }

    [CommandOption("--prompt")]
    [Description("Prompt for what is missing, even when CONSOLE_CLI_PROMPT=0")]
    public bool Prompt { get; set; }

    [CommandOption("--output <FORMAT>")]
    [Description("table (default) or json: the API's JSON as it is")]
    public string? Output { get; set; }
}

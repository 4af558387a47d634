using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Secrets;

/// <summary>Deletes a secret (<c>DELETE /api/secrets/{name}</c>); the server refuses one a deployment or pool still names.</summary>
public sealed class SecretRemoveCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<SecretRemoveCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<NAME>")]
        [Description("The secret to delete")]
        public string Name { get; set; } = string.Empty;

        [CommandOption("-y|--yes")]
        [Description("Do not ask for confirmation")]
        public bool Yes { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var name = settings.Name.Trim();
        if (!settings.Yes && cli.CanPrompt(output.Console)
            && !await output.Console.ConfirmAsync($"Delete secret '{Markup.Escape(name)}'? Its value cannot be recovered.", defaultValue: false, cancellationToken))
        {
            output.Note("Nothing deleted.");
            return ExitCodes.Success;
        }

        await api.DeleteAsync($"/api/secrets/{Uri.EscapeDataString(name)}", cancellationToken);
        output.Success($"Deleted secret '{name}'.");
        return ExitCodes.Success;
    }
}

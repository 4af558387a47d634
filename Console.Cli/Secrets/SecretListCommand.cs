using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts.Security;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Secrets;

/// <summary>Lists secrets as the server does: names, descriptions and times, never a value (no answer has one).</summary>
public sealed class SecretListCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<CliSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CliSettings settings, CancellationToken cancellationToken)
    {
        var node = await api.GetAsync("/api/secrets", cancellationToken);
        var secrets = ApiClient.As<List<SecretDto>>(node);
        if (!output.IsJson && secrets.Count == 0)
        {
            output.Hint("No secrets yet. Create one with:", cli.Command("secret set db-password --value-from-stdin"));
            return ExitCodes.Success;
        }

        output.Show(node, () =>
        {
            var table = CliOutput.NewTable("Name", "Description", "Created", "Updated").Title("Secrets");
            foreach (var secret in secrets)
            {
                table.AddRow(Markup.Escape(secret.Name), secret.Description is { } d ? Markup.Escape(d) : Formats.None,
                    Formats.Time(secret.CreatedAt), Formats.Time(secret.UpdatedAt));
            }

            return table;
        });
        return ExitCodes.Success;
    }
}

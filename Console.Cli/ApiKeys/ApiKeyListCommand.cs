using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts.Security;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.ApiKeys;

/// <summary>Lists keys as the server does: prefixes and metadata, never a secret (the server has none to give).</summary>
public sealed class ApiKeyListCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<CliSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CliSettings settings, CancellationToken cancellationToken)
    {
        var node = await api.GetAsync("/api/keys", cancellationToken);
        var keys = ApiClient.As<List<ApiKeyDto>>(node);
        if (!output.IsJson && keys.Count == 0)
        {
            output.Hint("No API keys yet. Create one with:", cli.Command("api-key create --name me --role admin"));
            return ExitCodes.Success;
        }

        output.Show(node, () =>
        {
            var table = CliOutput.NewTable("Prefix", "Name", "Role", "Pools", "Status", "Created", "Expires", "Last used", "Id").Title("API keys");
            foreach (var key in keys)
            {
                table.AddRow(
                    Markup.Escape(key.Prefix), Markup.Escape(key.Name), Markup.Escape(key.Role),
                    key.Pools.Count == 0 ? Formats.None : Markup.Escape(string.Join(", ", key.Pools)),
                    Status(key.Status), Formats.Time(key.CreatedAt), Formats.Time(key.ExpiresAt), Formats.Ago(key.LastUsedAt),
                    Markup.Escape(key.Id.ToString()));
            }

            return table;
        });
        return ExitCodes.Success;
    }

    private static string Status(ApiKeyStatus status) => status switch
    {
        ApiKeyStatus.Active => "[green]Active[/]",
        ApiKeyStatus.Expired => "[yellow]Expired[/]",
        _ => "[grey]Revoked[/]",
    };
}

using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts.Security;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.ApiKeys;

/// <summary>
/// Revokes a key (<c>DELETE /api/keys/{id}</c>). The server keeps a revoked key's row so the audit
/// log can still name it; <c>api-key delete</c> is the same command.
/// </summary>
public sealed class ApiKeyRevokeCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<ApiKeyRevokeCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<ID-OR-PREFIX>")]
        [Description("The key's id, or its prefix as api-key ls shows it (cx_ab12cd34)")]
        public string Key { get; set; } = string.Empty;

        [CommandOption("-y|--yes")]
        [Description("Do not ask for confirmation")]
        public bool Yes { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var key = await FindAsync(settings.Key.Trim(), cancellationToken);
        if (key.Status == ApiKeyStatus.Revoked)
        {
            output.Note($"API key '{key.Name}' ({key.Prefix}) was already revoked{(key.RevokedAt is { } at ? $" at {Formats.Time(at)}" : string.Empty)}.");
            return ExitCodes.Success;
        }

        if (!settings.Yes && cli.CanPrompt(output.Console)
            && !await output.Console.ConfirmAsync($"Revoke API key '{Markup.Escape(key.Name)}' ({Markup.Escape(key.Prefix)})? Whatever uses it is refused at once.", defaultValue: false, cancellationToken))
        {
            output.Note("Nothing revoked.");
            return ExitCodes.Success;
        }

        await api.DeleteAsync($"/api/keys/{key.Id}", cancellationToken);
        output.Success($"Revoked API key '{key.Name}' ({key.Prefix}): it is refused from the next request on. It stays listed as Revoked.");
        return ExitCodes.Success;
    }

    private async Task<ApiKeyDto> FindAsync(string idOrPrefix, CancellationToken ct)
    {
        if (Guid.TryParse(idOrPrefix, out var id))
        {
            return await api.GetAsync<ApiKeyDto>($"/api/keys/{id}", ct);
        }

        // Prefixes are unique; "ab12cd34" is taken for "cx_ab12cd34", as people copy either. A whole
        // key pasted by mistake counts by its prefix and is never echoed back.
        var prefix = ApiKeySecrets.PrefixOf(idOrPrefix)
            ?? (idOrPrefix.StartsWith(ApiKeySecrets.Scheme + "_", StringComparison.Ordinal) ? idOrPrefix : $"{ApiKeySecrets.Scheme}_{idOrPrefix}");
        var keys = await api.GetAsync<List<ApiKeyDto>>("/api/keys", ct);
        return keys.FirstOrDefault(k => string.Equals(k.Prefix, prefix, StringComparison.OrdinalIgnoreCase))
            ?? throw new ApiProblemException(404, "Not found",
                $"No API key has the id or prefix '{prefix}'. List them with: {cli.Command("api-key ls")}", new Dictionary<string, string[]>());
    }
}

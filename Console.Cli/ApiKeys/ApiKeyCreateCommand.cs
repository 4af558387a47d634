using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts.Security;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.ApiKeys;

public sealed class ApiKeyCreateCommand(ApiClient api, CliOutput output) : AsyncCommand<ApiKeyCreateCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("-n|--name <NAME>")]
        [Description("What or who uses the key, e.g. ci-deployer")]
        public string? Name { get; set; }

        [CommandOption("-r|--role <ROLE>")]
        [Description("admin, operator, viewer, or worker (a worker key needs --pool)")]
        public string? Role { get; set; }

        [CommandOption("-p|--pool <POOL>")]
        [Description("A pool a worker key serves (repeat for several)")]
        public string[] Pools { get; set; } = [];

        [CommandOption("--expires-in-days <DAYS>")]
        [Description("The key stops working after this many days (1-3650); without it, it works until revoked")]
        public int? ExpiresInDays { get; set; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Name) ? ValidationResult.Error("--name is required.")
            : string.IsNullOrWhiteSpace(Role) ? ValidationResult.Error($"--role is required: one of {string.Join(", ", Roles.ForKeys)}.")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.PostAsync("/api/keys", new CreateApiKeyRequest
        {
            Name = settings.Name,
            Role = settings.Role,
            Pools = settings.Pools.Length > 0 ? [.. settings.Pools] : null,
            ExpiresInDays = settings.ExpiresInDays,
        }, cancellationToken);
        if (output.IsJson)
        {
            // Scripts read the key from the "key" field; the warning below would break the JSON.
            output.Json(node);
            return ExitCodes.Success;
        }

        var key = ApiClient.As<CreatedApiKeyDto>(node);
        var scope = key.Pools.Count > 0 ? $" for pools {string.Join(", ", key.Pools)}" : string.Empty;
        var expiry = key.ExpiresAt is { } at ? $", expires {Formats.Time(at)}" : ", no expiry";
        output.Success($"Created API key '{key.Name}' ({key.Prefix}), role {key.Role}{scope}{expiry}.");
        output.Line(string.Empty);
        // Unstyled and on a line of its own, so it can be copied as it is.
        output.Console.WriteLine(key.Key);
        output.Line(string.Empty);
        output.Note("Copy the key now: it is shown only this once and cannot be shown again (the console stores only its hash).");
        output.Hint("Use it as the CLI's key:", $"export {CliEnvironment.ApiKeyVariable}=<the key above>");
        return ExitCodes.Success;
    }
}

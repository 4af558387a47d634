using System.ComponentModel;
using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts.Security;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Secrets;

/// <summary>
/// Creates a secret, or replaces the value of one that exists (<c>POST</c> or <c>PUT /api/secrets</c>).
/// The value comes from <c>--value</c>, from standard input, or from a hidden prompt; it is never printed.
/// </summary>
public sealed class SecretSetCommand(ApiClient api, CliOutput output, CliContext cli, StandardInput input) : AsyncCommand<SecretSetCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<NAME>")]
        [Description("The secret's name: lowercase letters, digits, inner '-' or '_'")]
        public string Name { get; set; } = string.Empty;

        [CommandOption("--value <VALUE>")]
        [Description("The value (it lands in your shell's history: prefer --value-from-stdin)")]
        public string? Value { get; set; }

        [CommandOption("--value-from-stdin")]
        [Description("Read the value from standard input (one trailing newline is dropped)")]
        public bool FromStdin { get; set; }

        [CommandOption("-d|--description <TEXT>")]
        [Description("What the secret is for")]
        public string? Description { get; set; }

        public override ValidationResult Validate() =>
            Value is not null && FromStdin ? ValidationResult.Error("Give --value or --value-from-stdin, not both.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var name = settings.Name.Trim();
        var value = settings.Value ?? (settings.FromStdin ? await ReadStdinAsync(cancellationToken) : await PromptAsync(name, cancellationToken));
        if (string.IsNullOrEmpty(value))
        {
            throw new UsageException("The value is empty: give it with --value, --value-from-stdin, or at the prompt.");
        }

        bool exists;
        try
        {
            await api.GetAsync($"/api/secrets/{Uri.EscapeDataString(name)}", cancellationToken);
            exists = true;
        }
        catch (ApiProblemException ex) when (ex.IsNotFound)
        {
            exists = false;
        }

        if (exists)
        {
            // Only the fields given: a replace without --description keeps the one it has.
            var body = new JsonObject { ["value"] = value };
            if (settings.Description is not null)
            {
                body["description"] = settings.Description;
            }

            var node = await api.SendAsync(HttpMethod.Put, $"/api/secrets/{Uri.EscapeDataString(name)}", body, cancellationToken);
            Done(node, $"Replaced the value of secret '{name}'. Runs claimed from now on get the new value.");
        }
        else
        {
            var node = await api.PostAsync("/api/secrets", new CreateSecretRequest { Name = name, Value = value, Description = settings.Description }, cancellationToken);
            Done(node, $"Created secret '{name}'. Use it in job variables as {{{{ secret.{name} }}}}.");
        }

        return ExitCodes.Success;
    }

    private void Done(JsonNode? node, string message)
    {
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            output.Success(message);
        }
    }

    private async Task<string> ReadStdinAsync(CancellationToken ct)
    {
        var text = await input.Reader.ReadToEndAsync(ct);
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
    }

    private async Task<string> PromptAsync(string name, CancellationToken ct)
    {
        if (!cli.CanPrompt(output.Console))
        {
            throw new UsageException("No value: give it with --value-from-stdin (or --value), or run in a terminal to be asked for it.");
        }

        return await output.Console.PromptAsync(new TextPrompt<string>($"Value of secret '{Markup.Escape(name)}':").Secret(), ct);
    }
}

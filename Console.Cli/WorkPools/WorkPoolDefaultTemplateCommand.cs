using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console.Cli;

namespace Console.Cli.WorkPools;

/// <summary>Prints a type's default base job template, the starting point of a custom one.</summary>
public sealed class WorkPoolDefaultTemplateCommand(ApiClient api, CliOutput output, CliContext cli)
    : AsyncCommand<WorkPoolDefaultTemplateCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("-t|--type <TYPE>")]
        [Description("The pool type: process, docker, ...")]
        public string? Type { get; set; }

        [CommandOption("-f|--file <FILE>")]
        [Description("Write the template to this file instead of printing it")]
        public string? File { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Type) ? Spectre.Console.ValidationResult.Error("--type is required.") : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var types = await api.GetAsync<List<WorkPoolTypeDto>>("/api/work-pool-types", cancellationToken);
        var type = types.FirstOrDefault(t => t.Type == settings.Type)
            ?? throw new UsageException($"Unknown work pool type '{settings.Type}': one of {string.Join(", ", types.Select(t => t.Type))}.");
        if (settings.File is null)
        {
            output.Json(type.BaseJobTemplate);
            return ExitCodes.Success;
        }

        var path = Path.GetFullPath(settings.File, cli.WorkingDirectory);
        await System.IO.File.WriteAllTextAsync(path, CliOutput.Pretty(type.BaseJobTemplate) + "\n", cancellationToken);
        output.Success($"Wrote the default base job template of '{type.Type}' pools to {settings.File}.");
        return ExitCodes.Success;
    }
}

using System.ComponentModel;
using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.WorkPools;

public sealed class WorkPoolCreateCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<WorkPoolCreateCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandArgument(0, "<NAME>")]
        [Description("The pool's name: lowercase letters, digits, inner '-' or '_'")]
        public string Name { get; set; } = string.Empty;

        [CommandOption("-t|--type <TYPE>")]
        [Description("The infrastructure its runs get: process, docker, ... (prompted for when missing)")]
        public string? Type { get; set; }

        [CommandOption("--description <TEXT>")]
        public string? Description { get; set; }

        [CommandOption("--concurrency-limit <N>")]
        [Description("At most N runs of this pool at once")]
        public int? ConcurrencyLimit { get; set; }

        [CommandOption("--paused")]
        [Description("Create it paused: workers claim nothing until it is resumed")]
        public bool Paused { get; set; }

        [CommandOption("--base-job-template <FILE>")]
        [Description("A JSON file with the base job template (see get-default-base-job-template)")]
        public string? BaseJobTemplate { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var type = settings.Type ?? await AskTypeAsync(cancellationToken);
        var request = new CreateWorkPoolRequest
        {
            Name = settings.Name,
            Type = type,
            Description = settings.Description,
            ConcurrencyLimit = settings.ConcurrencyLimit,
            IsPaused = settings.Paused ? true : null,
            BaseJobTemplate = settings.BaseJobTemplate is null
                ? null
                : JsonFiles.ReadObject(settings.BaseJobTemplate, cli.WorkingDirectory, "--base-job-template"),
        };
        var node = await api.PostAsync("/api/work-pools", request, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
            return ExitCodes.Success;
        }

        var pool = ApiClient.As<WorkPoolDto>(node);
        output.Success($"Created work pool '{pool.Name}' of type {pool.Type}{(pool.IsPaused ? " (paused)" : string.Empty)}.");
        output.Hint("Start a worker to run its flow runs:", cli.Command($"worker start --pool {pool.Name}"));
        return ExitCodes.Success;
    }

    private async Task<string> AskTypeAsync(CancellationToken ct)
    {
        var types = await api.GetAsync<List<WorkPoolTypeDto>>("/api/work-pool-types", ct);
        if (!cli.CanPrompt(output.Console))
        {
            throw new UsageException($"--type is required: one of {string.Join(", ", types.Select(t => t.Type))}.");
        }

        var choice = await new SelectionPrompt<WorkPoolTypeDto>()
            .Title("What type of work pool would you like to create?")
            .UseConverter(t => $"{Markup.Escape(t.DisplayName)} [grey]({Markup.Escape(t.Type)}) {Markup.Escape(t.Description)}[/]")
            .AddChoices(types)
            .ShowAsync(output.Console, ct);
        return choice.Type;
    }
}

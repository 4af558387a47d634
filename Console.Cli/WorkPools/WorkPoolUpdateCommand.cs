using System.ComponentModel;
using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console.Cli;

namespace Console.Cli.WorkPools;

public sealed class WorkPoolUpdateCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<WorkPoolUpdateCommand.Settings>
{
    public sealed class Settings : PoolNameSettings
    {
        [CommandOption("--description <TEXT>")]
        public string? Description { get; set; }

        [CommandOption("--concurrency-limit <N>")]
        [Description("At most N runs of this pool at once")]
        public int? ConcurrencyLimit { get; set; }

        [CommandOption("--no-concurrency-limit")]
        [Description("Remove the concurrency limit")]
        public bool NoConcurrencyLimit { get; set; }

        [CommandOption("--base-job-template <FILE>")]
        [Description("A JSON file with the new base job template")]
        public string? BaseJobTemplate { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            ConcurrencyLimit is not null && NoConcurrencyLimit
                ? Spectre.Console.ValidationResult.Error("Use --concurrency-limit or --no-concurrency-limit, not both.")
                : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var patch = new JsonObject();
        if (settings.Description is not null)
        {
            patch["description"] = settings.Description;
        }

        if (settings.ConcurrencyLimit is not null || settings.NoConcurrencyLimit)
        {
            patch["concurrencyLimit"] = settings.ConcurrencyLimit;
        }

        if (settings.BaseJobTemplate is not null)
        {
            patch["baseJobTemplate"] = JsonFiles.ReadObject(settings.BaseJobTemplate, cli.WorkingDirectory, "--base-job-template");
        }

        if (patch.Count == 0)
        {
            throw new UsageException("Nothing to update: pass --description, --concurrency-limit, --no-concurrency-limit or --base-job-template.");
        }

        var node = await api.PatchAsync($"/api/work-pools/{ApiClient.Segment(settings.Name)}", patch, cancellationToken);
        if (output.IsJson)
        {
            output.Json(node);
        }
        else
        {
            output.Success($"Updated work pool '{ApiClient.As<WorkPoolDto>(node).Name}'.");
        }

        return ExitCodes.Success;
    }
}

using System.ComponentModel;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Rendering;

namespace Console.Cli.WorkPools;

public class PoolNameSettings : CliSettings
{
    [CommandArgument(0, "<NAME>")]
    [Description("The work pool's name")]
    public string Name { get; set; } = string.Empty;
}

public sealed class WorkPoolInspectCommand(ApiClient api, CliOutput output) : AsyncCommand<PoolNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PoolNameSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var node = await api.GetAsync($"/api/work-pools/{ApiClient.Segment(settings.Name)}", cancellationToken);
        output.Show(node, () => Render(ApiClient.As<WorkPoolDto>(node)));
        return ExitCodes.Success;
    }

    internal static IRenderable Render(WorkPoolDto pool) => new Rows(
        CliOutput.Details(
        [
            ("Name", Markup.Escape(pool.Name)),
            ("Id", pool.Id.ToString()),
            ("Type", Markup.Escape(pool.Type)),
            ("Status", Formats.Status(pool.Status)),
            ("Paused", pool.IsPaused ? "yes" : "no"),
            ("Concurrency limit", Formats.Number(pool.ConcurrencyLimit)),
            ("Default queue", Markup.Escape(pool.DefaultQueueName)),
            ("Description", Formats.Text(pool.Description)),
            ("Last polled", $"{Formats.Time(pool.LastPolledAt)} ({Formats.Ago(pool.LastPolledAt)})"),
            ("Created", Formats.Time(pool.CreatedAt)),
            ("Updated", Formats.Time(pool.UpdatedAt)),
        ]),
        new Panel(new Text(CliOutput.Pretty(pool.BaseJobTemplate))).Header("Base job template").Border(BoxBorder.Rounded));
}

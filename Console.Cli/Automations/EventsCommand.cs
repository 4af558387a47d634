using System.ComponentModel;
using System.Threading.Channels;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts.Automations;
using Console.Contracts.Common;
using Microsoft.AspNetCore.SignalR.Client;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Automations;

/// <summary><c>cx events [--type T] [--pool P] [--follow]</c>: the event stream, oldest of the page first; --follow keeps printing live events.</summary>
public sealed class EventsCommand(ApiClient api, CliOutput output, CliContext cli) : AsyncCommand<EventsCommand.Settings>
{
    public sealed class Settings : CliSettings
    {
        [CommandOption("--type <TYPE>")]
        [Description("Only this type (e.g. flowRun.stateChanged, or a family: worker.*)")]
        public string? Type { get; set; }

        [CommandOption("--pool <POOL>")]
        [Description("Only events of this work pool")]
        public string? Pool { get; set; }

        [CommandOption("--limit <N>")]
        [Description("How many past events to print first (default 20)")]
        public int Limit { get; set; } = 20;

        [CommandOption("-f|--follow")]
        [Description("Keep printing events as they happen, until Ctrl+C")]
        public bool Follow { get; set; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var query = $"/api/events?limit={settings.Limit}"
            + (settings.Type is null ? string.Empty : $"&type={Uri.EscapeDataString(settings.Type)}")
            + (settings.Pool is null ? string.Empty : $"&pool={Uri.EscapeDataString(settings.Pool)}");
        if (!settings.Follow)
        {
            var node = await api.GetAsync(query, cancellationToken);
            var past = ApiClient.As<List<EventDto>>(node);
            output.Show(node, () =>
            {
                var table = CliOutput.NewTable("At", "Type", "Resource", "Details").Title("Events");
                foreach (var e in Enumerable.Reverse(past))
                {
                    table.AddRow(Formats.Time(e.OccurredAt), Markup.Escape(e.Type), Markup.Escape($"{e.Resource.Kind} {e.Resource.Name}"), Markup.Escape(Details(e)));
                }

                return table;
            });
            return ExitCodes.Success;
        }

        var seen = new HashSet<Guid>();
        var events = Channel.CreateUnbounded<EventDto>();
        await using var hub = LiveHubConnection.Build(cli);
        hub.On<EventDto>("Event", e => events.Writer.TryWrite(e));
        hub.Reconnected += async _ => await hub.InvokeAsync("WatchEvents");
        try
        {
            await hub.StartAsync(cancellationToken);
            await hub.InvokeAsync("WatchEvents", cancellationToken);

            // The past only once the hub is joined: an event in between is in both and printed once (by id).
            foreach (var e in Enumerable.Reverse(ApiClient.As<List<EventDto>>(await api.GetAsync(query, cancellationToken))))
            {
                Print(e, seen);
            }

            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
            {
                if (Matches(e, settings))
                {
                    Print(e, seen);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C ends a follow (also while it is still connecting): that is its normal end.
        }

        return ExitCodes.Success;
    }

    private void Print(EventDto e, HashSet<Guid> seen)
    {
        if (!seen.Add(e.Id))
        {
            return;
        }

        if (output.IsJson)
        {
            output.Console.WriteLine(ConsoleJson.Serialize(e));
            return;
        }

        output.Line($"{Formats.Time(e.OccurredAt)}  [aqua]{Markup.Escape(e.Type)}[/]  {Markup.Escape($"{e.Resource.Kind} {e.Resource.Name}")}  {Markup.Escape(Details(e))}");
    }

    private static bool Matches(EventDto e, Settings settings) =>
        (settings.Type is null || e.Type == settings.Type || (settings.Type.EndsWith(".*", StringComparison.Ordinal) && e.Type.StartsWith(settings.Type[..^1], StringComparison.Ordinal)))
        && (settings.Pool is null || e.Related.Any(r => r.Kind == ResourceKinds.WorkPool && r.Name == settings.Pool) || (e.Resource.Kind == ResourceKinds.WorkPool && e.Resource.Name == settings.Pool));

    private static string Details(EventDto e) =>
        e.Payload["state"]?.ToString() is { } state ? state : e.Payload["reason"]?.ToString() ?? string.Empty;
}

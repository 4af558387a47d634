using System.Globalization;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Spectre.Console;

namespace Console.Cli.Output;

/// <summary>How values look in tables: coloured statuses, relative times, dashes for nothing.</summary>
public static class Formats
{
    public const string None = "[grey]-[/]";

    public static string Text(string? value) => string.IsNullOrEmpty(value) ? None : Markup.Escape(value);

    public static string Number(int? value) => value is null ? None : value.Value.ToString(CultureInfo.InvariantCulture);

    public static string Status(PoolStatus status) => status switch
    {
        PoolStatus.Ready => "[green]Ready[/]",
        PoolStatus.Paused => "[grey]Paused[/]",
        _ => "[red]Not ready[/]",
    };

    public static string Status(QueueStatus status) => status switch
    {
        QueueStatus.Ready => "[green]Ready[/]",
        QueueStatus.Paused => "[grey]Paused[/]",
        _ => "[red]Not ready[/]",
    };

    public static string Status(WorkerStatus status) =>
        status switch
        {
            WorkerStatus.Online => "[green]Online[/]",
            WorkerStatus.Draining => "[yellow]Draining[/]",
            _ => "[grey]Offline[/]",
        };

    public static string Status(DeploymentStatus status) =>
        status == DeploymentStatus.Ready ? "[green]Ready[/]" : "[red]Not ready[/]";

    public static string State(FlowRunState state) => $"[{StateColor(state)}]{state}[/]";

    public static string StateColor(FlowRunState state) => state switch
    {
        FlowRunState.Completed => "green",
        FlowRunState.Failed or FlowRunState.Crashed or FlowRunState.TimedOut => "red",
        FlowRunState.Running => "blue",
        FlowRunState.Pending => "aqua",
        FlowRunState.Late or FlowRunState.AwaitingRetry => "yellow",
        FlowRunState.Cancelling or FlowRunState.Cancelled or FlowRunState.Skipped => "grey",
        _ => "default",
    };

    /// <summary>"12s ago", "in 5m", or a dash; exact times are in inspect and JSON output.</summary>
    public static string Ago(DateTime? when, DateTime? now = null)
    {
        if (when is null)
        {
            return "[grey]never[/]";
        }

        var delta = (now ?? DateTime.UtcNow) - DateTime.SpecifyKind(when.Value, DateTimeKind.Utc);
        var future = delta < TimeSpan.Zero;
        var span = future ? -delta : delta;
        var text = span.TotalSeconds < 60 ? $"{(int)span.TotalSeconds}s"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes}m"
            : span.TotalHours < 48 ? $"{(int)span.TotalHours}h"
            : $"{(int)span.TotalDays}d";
        return future ? $"in {text}" : $"{text} ago";
    }

    public static string Time(DateTime? when) =>
        when is null ? None : DateTime.SpecifyKind(when.Value, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}

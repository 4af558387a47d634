using System.Globalization;
using Console.Cli.Output;
using Console.Core.Contracts;
using Console.Core.FlowRuns;
using Spectre.Console;

namespace Console.Cli.FlowRuns;

/// <summary>Prints a run's log lines (each once, in order) and its state changes.</summary>
public sealed class RunPrinter(CliOutput output)
{
    private FlowRunState? _lastState;

    public long LastSeq { get; private set; }

    public void Logs(IEnumerable<LogLineDto> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var line in lines.OrderBy(l => l.Seq))
        {
            if (line.Seq <= LastSeq)
            {
                continue;
            }

            LastSeq = line.Seq;
            var style = line.Stream switch
            {
                "stderr" => "red",
                "worker" => "grey",
                _ => "default",
            };
            var level = line.Level.ToUpperInvariant();
            output.Line($"[grey]{Time(line.Timestamp)} |[/] [{style}]{Markup.Escape(level),-5} | {Markup.Escape(line.Stream),-6} | {Markup.Escape(line.Message)}[/]");
        }
    }

    public void State(FlowRunDto run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (_lastState == run.State)
        {
            return;
        }

        _lastState = run.State;
        var message = string.IsNullOrEmpty(run.StateMessage) ? string.Empty : $" [grey]- {Markup.Escape(run.StateMessage)}[/]";
        var worker = run.State == FlowRunState.Pending && run.WorkerName is not null ? $" [grey](claimed by worker {Markup.Escape(run.WorkerName)})[/]" : string.Empty;
        output.Line($"[grey]{Time(DateTime.UtcNow)} |[/] Flow run '{Markup.Escape(run.Name)}' is {Formats.State(run.State)}{worker}{message}");
    }

    private static string Time(DateTime when) =>
        DateTime.SpecifyKind(when, DateTimeKind.Utc).ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
}

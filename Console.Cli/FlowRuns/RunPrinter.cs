using System.Globalization;
using Console.Cli.Output;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Spectre.Console;

namespace Console.Cli.FlowRuns;

/// <summary>Prints a run's log lines (each once, in order) and its state changes.</summary>
public sealed class RunPrinter(CliOutput output)
{
    private (FlowRunState State, int Attempt)? _lastState;

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

    public void State(FlowRunDto run, DateTime? at = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (_lastState != (run.State, run.Attempt))
        {
            Print(run, run.State, run.Attempt, run.StateMessage, at ?? DateTime.UtcNow);
        }
    }

    /// <summary>
    /// Replays, in time order, the transitions after the last state printed and the log lines not
    /// printed yet: what happened while the hub was joining.
    /// </summary>
    public void Replay(FlowRunDto run, IReadOnlyList<StateChangeDto> history, IReadOnlyList<LogLineDto> lines)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(lines);
        var from = _lastState is { } last ? history.ToList().FindLastIndex(h => (h.State, h.Attempt) == last) + 1 : 0;
        var events = history.Skip(Math.Max(from, 0)).Select(h => (h.Timestamp, State: (StateChangeDto?)h, Line: (LogLineDto?)null))
            .Concat(lines.Where(l => l.Seq > LastSeq).Select(l => (l.Timestamp, State: (StateChangeDto?)null, Line: (LogLineDto?)l)))
            .OrderBy(e => e.Timestamp);
        foreach (var (_, state, line) in events)
        {
            if (state is not null && (state.State, state.Attempt) != _lastState)
            {
                Print(run, state.State, state.Attempt, state.Message, state.Timestamp);
            }
            else if (line is not null)
            {
                Logs([line]);
            }
        }
    }

    private void Print(FlowRunDto run, FlowRunState state, int attempt, string? stateMessage, DateTime at)
    {
        _lastState = (state, attempt);
        var message = string.IsNullOrEmpty(stateMessage) ? string.Empty : $" [grey]- {Markup.Escape(stateMessage)}[/]";
        var worker = state == FlowRunState.Pending && run.WorkerName is not null ? $" [grey](claimed by worker {Markup.Escape(run.WorkerName)})[/]" : string.Empty;
        var of = run.MaxAttempts > 1 ? $" [grey](attempt {attempt} of {run.MaxAttempts})[/]" : string.Empty;
        var next = state == FlowRunState.AwaitingRetry && run.NextAttemptAt is { } due && attempt == run.Attempt
            ? $" [grey]- it starts {Formats.Ago(due)}[/]"
            : string.Empty;
        output.Line($"[grey]{Time(at)} |[/] Flow run '{Markup.Escape(run.Name)}' is {Formats.State(state)}{of}{worker}{next}{message}");
    }

    private static string Time(DateTime when) =>
        DateTime.SpecifyKind(when, DateTimeKind.Utc).ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
}

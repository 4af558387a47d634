using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Worker.Infrastructure;

namespace Console.Worker.Runs;

/// <summary>Turns how a run's infrastructure ended into the state the run ends in (docs/architecture.md, data flow step 6).</summary>
public static class RunOutcomes
{
    public static SetStateRequest Classify(RunExit exit)
    {
        ArgumentNullException.ThrowIfNull(exit);
        if (exit.ExitCode is not { } code)
        {
            return Crashed(exit.Error ?? "The run's infrastructure ended without an exit code.");
        }

        if (exit.OutOfMemory)
        {
            return Crashed($"Out of memory: the kernel killed the run (exit {code}). Raise mem_limit or use less memory.", code);
        }

        var detail = exit.Error is null ? string.Empty : $" {exit.Error}";
        return code switch
        {
            0 => new SetStateRequest { State = FlowRunState.Completed, ExitCode = 0 },
            125 => Crashed($"The container runtime could not run the command (exit 125).{detail}", code),
            126 => Crashed($"The command could not be executed (exit 126: not executable or permission denied).{detail}", code),
            127 => Crashed($"Command not found (exit 127).{detail}", code),
            137 => Crashed($"Killed by SIGKILL (exit 137): out of memory or stopped from outside.{detail}", code),
            _ => new SetStateRequest { State = FlowRunState.Failed, ExitCode = code, Message = $"The flow exited with code {code}.{detail}" },
        };
    }

    public static SetStateRequest Crashed(string message, int? exitCode = null) =>
        new() { State = FlowRunState.Crashed, Message = message, ExitCode = exitCode };

    /// <summary>An error with its field errors spelled out, e.g. for a refused job configuration.</summary>
    public static string Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error is ConsoleException { Errors.Count: > 0 } refused
            ? $"{refused.Message} {string.Join(" ", refused.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}"
            : error.Message;
    }
}

using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
namespace Console.Core.FlowRuns;

/// <summary>What a reporter says happened to a run.</summary>
/// <param name="InfrastructureMayRemain">
/// The reporter ends the run without its worker (the lease reaper): its infrastructure may still
/// run, so the run keeps its slot until a worker confirms it gone (<see cref="FlowRun.InfrastructureHeldSince"/>).
/// Never taken from a request.
/// </param>
/// <param name="CodeRevision">The commit a git-pulled run checked out, reported with Running.</param>
public sealed record StateReport(FlowRunState State, string? Message = null, int? ExitCode = null, string? InfrastructureId = null, bool InfrastructureMayRemain = false)
{
    public string? CodeRevision { get; init; }

    /// <summary>What the ended attempt's infrastructure used, as its worker measured it (<see cref="RunUsage"/>).</summary>
    public FlowRunUsageDto? Usage { get; init; }
}

/// <summary>
/// The one place every state change goes through. It validates the transition and is idempotent:
/// the same report twice changes nothing the second time.
/// </summary>
public static class FlowRunOrchestrator
{
    /// <summary>Applies the report to the run; returns false when it repeats the current state.</summary>
    /// <exception cref="ConflictException">The rules forbid the transition.</exception>
    public static bool Apply(FlowRun run, StateReport report, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(report);
        var from = run.State;
        var to = report.State;

        if (to == FlowRunState.Late)
        {
            throw new ConflictException("Late is derived from a Scheduled run's start time; it cannot be set.");
        }

        if (from == to)
        {
            // A repeated report may still complete what the first one lacked (e.g. the container id).
            var changed = false;
            if (report.InfrastructureId is not null && run.InfrastructureId != report.InfrastructureId && !from.IsTerminal())
            {
                run.InfrastructureId = report.InfrastructureId;
                changed = true;
            }

            if (to == FlowRunState.Running && report.CodeRevision is not null && run.CodeRevision != report.CodeRevision)
            {
                run.CodeRevision = report.CodeRevision;
                changed = true;
            }

            if (to == FlowRunState.Pending)
            {
                throw new ConflictException("A run becomes Pending only through a worker's claim.");
            }

            return changed;
        }

        if (!IsAllowed(from, to))
        {
            throw new ConflictException($"A run cannot move from {from} to {to}.");
        }

        run.State = to;
        run.StateMessage = report.Message;
        run.UpdatedAt = now;
        if (report.InfrastructureId is not null)
        {
            run.InfrastructureId = report.InfrastructureId;
        }

        if (report.ExitCode is not null)
        {
            run.ExitCode = report.ExitCode;
        }

        switch (to)
        {
            case FlowRunState.Scheduled:
                // Released back to the queue (a worker gave it up or went away): anyone may claim it again.
                run.WorkerName = null;
                run.ClaimedAt = null;
                run.InfrastructureId = null;
                break;
            case FlowRunState.Running:
                run.StartedAt ??= now;
                run.CodeRevision = report.CodeRevision ?? run.CodeRevision;
                break;
            case var terminal when terminal.IsTerminal():
                run.EndedAt = now;
                run.NextAttemptAt = null;
                RunUsage.Add(run, report.Usage);
                if (report.InfrastructureMayRemain && run.InfrastructureId is not null)
                {
                    run.InfrastructureHeldSince = now;
                }

                break;
        }

        return true;
    }

    /// <summary>Marks a run claimed by a worker (Scheduled or AwaitingRetry -> Pending).</summary>
    public static void Claim(FlowRun run, string workerName, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!FlowRunStates.Claimable.Contains(run.State))
        {
            throw new ConflictException($"Only a Scheduled or AwaitingRetry run can be claimed; this one is {run.State}.");
        }

        if (run.State == FlowRunState.AwaitingRetry)
        {
            // The attempt before may have left a held id (its infrastructure is confirmed gone, or
            // the hold bound passed, or the claim would not have taken it): this attempt starts clean.
            run.InfrastructureId = null;
            run.InfrastructureHeldSince = null;
            run.NextAttemptAt = null;
        }

        run.State = FlowRunState.Pending;
        run.StateMessage = null;
        run.WorkerName = workerName;
        run.ClaimedAt = now;
        run.UpdatedAt = now;
    }

    public static bool IsAllowed(FlowRunState from, FlowRunState to) => (from, to) switch
    {
        (_, FlowRunState.Late) => false,
        (var f, _) when f.IsTerminal() => false,
        (_, FlowRunState.Pending) => false, // only a claim makes a run Pending
        (_, FlowRunState.AwaitingRetry) => false, // only the retry policy (RunRetries) does
        (FlowRunState.Scheduled, FlowRunState.Cancelled or FlowRunState.Skipped) => true,
        (FlowRunState.AwaitingRetry, FlowRunState.Cancelled) => true,
        (FlowRunState.AwaitingRetry, _) => false,
        (_, FlowRunState.Skipped) => false, // only a run that never started is skipped
        (FlowRunState.Scheduled, _) => false,
        (FlowRunState.Pending, _) => true, // Scheduled (released), Running, Cancelling, or an end
        (FlowRunState.Running, FlowRunState.Scheduled) => false,
        (FlowRunState.Running, _) => true,
        (FlowRunState.Cancelling, FlowRunState.Scheduled or FlowRunState.Running) => false,
        (FlowRunState.Cancelling, _) => true,
        _ => false,
    };
}

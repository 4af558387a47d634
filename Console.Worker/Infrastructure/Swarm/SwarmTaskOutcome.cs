using Docker.DotNet.Models;

namespace Console.Worker.Infrastructure.Swarm;

/// <summary>Reads how a run ended from its Swarm task's state (a job's task is the run's one attempt).</summary>
internal static class SwarmTaskOutcome
{
    public static bool IsTerminal(TaskState state) =>
        state is TaskState.Complete or TaskState.Failed or TaskState.Rejected or TaskState.Shutdown or TaskState.Remove or TaskState.Orphaned;

    /// <summary>Null while the task has not ended.</summary>
    public static RunExit? Of(TaskResponse task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var status = task.Status;
        var error = string.IsNullOrWhiteSpace(status?.Err) ? null : status.Err.Trim();
        var exitCode = status?.ContainerStatus is { ContainerID.Length: > 0 } container ? (int?)container.ExitCode : null;
        return status?.State switch
        {
            TaskState.Complete => new RunExit(exitCode ?? 0),
            // The exit code of a container that never started (128, or 127 for a missing command) is the runtime's, not the flow's.
            TaskState.Failed when error is not null && error.StartsWith("starting container failed", StringComparison.Ordinal) =>
                new RunExit(null, Error: $"The job's container could not start: {error}"),
            TaskState.Failed when exitCode is { } code and not 0 => new RunExit(code, Error: IsPlainExit(error) ? null : error),
            TaskState.Failed => new RunExit(null, Error: $"The Swarm job failed: {error ?? status.Message}"),
            TaskState.Rejected => new RunExit(null, Error: Rejected(task.Spec?.ContainerSpec?.Image, error ?? status.Message)),
            TaskState.Orphaned => new RunExit(null, Error: "The Swarm node that ran the job left the cluster or stopped answering, so its end is unknown."),
            TaskState.Shutdown or TaskState.Remove => new RunExit(exitCode,
                Error: $"Swarm shut the job down before it finished{(error is null ? "." : $": {error}")}"),
            _ => null,
        };
    }

    /// <summary>"task: non-zero exit (3)" says nothing the exit code does not.</summary>
    private static bool IsPlainExit(string? error) =>
        error is null || error.StartsWith("task: non-zero exit", StringComparison.Ordinal);

    private static string Rejected(string? image, string? reason)
    {
        var message = $"Swarm could not start the job: {reason ?? "rejected by the node"}";
        if (reason is not null && reason.Contains("No such image", StringComparison.OrdinalIgnoreCase))
        {
            message += $". Every node that may run the job needs the image '{image}': load it there or push it to a registry the nodes can pull from.";
        }

        return message;
    }
}

using Console.Contracts;
using Console.Contracts.FlowRuns;
using MudBlazor;

namespace Console.Web.Components.Shared;

/// <summary>
/// What a status looks like: an icon and a word (never colour alone), a colour, and the reason a
/// person hovering or focusing it reads. <see cref="Key"/> is the API's status word, for tests.
/// </summary>
public sealed record StatusView(string Key, string Text, string Icon, Color Color, string Reason)
{
    public static StatusView Pool(WorkPoolDto pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Status switch
        {
            PoolStatus.Ready => new("Ready", "Ready", Icons.Material.Filled.CheckCircle, Color.Success,
                "At least one worker of this pool is online."),
            PoolStatus.Paused => new("Paused", "Paused", Icons.Material.Filled.PauseCircle, Color.Default,
                "The pool is paused: workers claim none of its runs until it is resumed."),
            _ => new("NotReady", "Not Ready", Icons.Material.Filled.Cancel, Color.Error,
                "No worker of this pool is online: start one to run its flows."),
        };
    }

    public static StatusView Queue(WorkQueueDto queue, int readySeconds)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.Status switch
        {
            QueueStatus.Ready => new("Ready", "Ready", Icons.Material.Filled.CheckCircle, Color.Success,
                $"A worker polled this queue in the last {readySeconds} s."),
            QueueStatus.Paused => new("Paused", "Paused", Icons.Material.Filled.PauseCircle, Color.Default,
                queue.IsPaused
                    ? "This queue is paused: its runs are not picked up until it is resumed."
                    : "The work pool is paused: none of its queues' runs are picked up."),
            _ => new("NotReady", "Not Ready", Icons.Material.Filled.Cancel, Color.Error,
                $"No worker has polled this queue in the last {readySeconds} s."),
        };
    }

    public static StatusView Worker(WorkerDto worker, int missedBeats)
    {
        ArgumentNullException.ThrowIfNull(worker);
        if (worker.Status == WorkerStatus.Online && !worker.IsHealthy)
        {
            return new("Online", "Unhealthy", Icons.Material.Filled.Warning, Color.Warning,
                $"The worker is polling but reports a problem: {worker.HealthMessage ?? "no details"}.");
        }

        return worker.Status switch
        {
            WorkerStatus.Online => new("Online", "Online", Icons.Material.Filled.CheckCircle, Color.Success,
                $"The worker sent a heartbeat within {missedBeats} x its {worker.HeartbeatIntervalSeconds} s interval."),
            WorkerStatus.Draining => new("Draining", "Draining", Icons.Material.Filled.HourglassBottom, Color.Warning,
                $"The worker claims no new runs: it finishes its {worker.RunningRuns} running run(s), then exits"
                + (worker.DrainingSince is { } since ? $" (draining since {since:HH:mm:ss} UTC)." : ".")),
            _ => new("Offline", "Offline", Icons.Material.Filled.Cancel, Color.Error,
                $"No heartbeat for {missedBeats} x its {worker.HeartbeatIntervalSeconds} s interval: the worker stopped or lost its connection."),
        };
    }

    public static StatusView Deployment(DeploymentDto deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (deployment.IsPaused)
        {
            return new("Paused", "Paused", Icons.Material.Filled.PauseCircle, Color.Default,
                "The deployment is paused: its schedules create no runs.");
        }

        return deployment.Status == DeploymentStatus.Ready
            ? new("Ready", "Ready", Icons.Material.Filled.CheckCircle, Color.Success,
                $"A worker is polling queue '{deployment.WorkQueueName}' of pool '{deployment.WorkPoolName}'.")
            : new("NotReady", "Not Ready", Icons.Material.Filled.Cancel, Color.Error,
                $"No worker is polling queue '{deployment.WorkQueueName}' of pool '{deployment.WorkPoolName}': runs wait until one does.");
    }

    public static StatusView Run(FlowRunState state, string? message = null)
    {
        var (icon, color, reason) = state switch
        {
            FlowRunState.Scheduled => (Icons.Material.Filled.Schedule, Color.Info, "Waiting for its start time and a worker."),
            FlowRunState.Late => (Icons.Material.Filled.AlarmOn, Color.Warning, "Its start time has passed and no worker has picked it up."),
            FlowRunState.Pending => (Icons.Material.Filled.HourglassTop, Color.Info, "A worker claimed it and is creating its infrastructure."),
            FlowRunState.Running => (Icons.Material.Filled.PlayCircle, Color.Primary, "Running."),
            FlowRunState.Completed => (Icons.Material.Filled.CheckCircle, Color.Success, "Finished successfully."),
            FlowRunState.Failed => (Icons.Material.Filled.Error, Color.Error, "The flow exited with an error."),
            FlowRunState.Cancelling => (Icons.Material.Filled.StopCircle, Color.Warning, "Cancel requested: the worker is stopping it."),
            FlowRunState.Cancelled => (Icons.Material.Filled.Block, Color.Default, "Cancelled."),
            FlowRunState.Crashed => (Icons.Material.Filled.ReportProblem, Color.Error, "Its infrastructure failed or disappeared."),
            FlowRunState.AwaitingRetry => (Icons.Material.Filled.Replay, Color.Warning, "An attempt failed: it waits for its next attempt (its deployment retries)."),
            FlowRunState.TimedOut => (Icons.Material.Filled.TimerOff, Color.Error, "It ran longer than its deployment's timeout and was stopped."),
            FlowRunState.Skipped => (Icons.Material.Filled.SkipNext, Color.Secondary, "It never started: it was later than its deployment's late policy allows."),
            _ => (Icons.Material.Filled.Help, Color.Default, string.Empty),
        };
        return new(state.ToString(), state.ToString(), icon, color, string.IsNullOrWhiteSpace(message) ? reason : message);
    }
}

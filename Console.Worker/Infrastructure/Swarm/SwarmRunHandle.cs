using Console.Projects.Images;
using System.Net;
using Console.Worker.Infrastructure.Docker;
using Console.Worker.Infrastructure.Usage;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Console.Worker.Infrastructure.Swarm;

/// <summary>
/// The Swarm job service of one run. Its end is read from the job's task; its output from the
/// service logs API. Survives short engine outages like the docker type's handle.
/// </summary>
internal sealed class SwarmRunHandle(DockerClient client, string serviceId, bool streamOutput, ILogSink logs, DateTime? logsAfter, TimeProvider time)
    : IRunHandle
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan EngineRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LogTailTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a stop waits, past the grace period, for Swarm to end the task.</summary>
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(15);

    private readonly SwarmLogCursor _sink = new(logs, logsAfter);
    private string? _taskId;
    private UsageSampler? _usage;
    private bool _usageDecided;
    private volatile bool _stopping;

    public string InfrastructureId => serviceId;

    private string ShortId => serviceId.Length > 12 ? serviceId[..12] : serviceId;

    public async Task<RunExit> WatchAsync(CancellationToken cancellationToken)
    {
        RunExit exit;
        using (var follow = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var streaming = streamOutput ? FollowLogsAsync(follow.Token) : Task.CompletedTask;
            try
            {
                exit = await WaitForEndAsync(cancellationToken);
                exit = exit with { Usage = _usage is null ? null : await _usage.StopAsync() };
            }
            finally
            {
                // The follow stream of a service never ends by itself, not even after its job did.
                await follow.CancelAsync();
                await streaming;
            }
        }

        if (streamOutput)
        {
            await ReadTailAsync(cancellationToken);
        }

        return exit;
    }

    /// <summary>
    /// Ends the job's task within the grace period, then removes the service. Removing a job
    /// service alone is not enough on Docker 20.10: its running task goes on without a service
    /// (moby/moby#44312, fixed in Moby 24). A spec update starts a new job iteration, and Swarm
    /// shuts down the tasks of the old one (stop signal, then kill after the service's stop grace
    /// period); the new iteration is pinned to no node, so nothing starts again.
    /// </summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        _stopping = true;
        try
        {
            var tasks = await TasksAsync(cancellationToken);
            var service = await client.Swarm.InspectServiceAsync(serviceId, cancellationToken);
            var spec = service.Spec;
            spec.TaskTemplate.Placement ??= new Placement();
            var constraints = spec.TaskTemplate.Placement.Constraints ?? [];
            if (!constraints.Contains(SwarmServiceSpec.NoNode))
            {
                spec.TaskTemplate.Placement.Constraints = [.. constraints, SwarmServiceSpec.NoNode];
                await client.Swarm.UpdateServiceAsync(serviceId,
                    new ServiceUpdateParameters { Service = spec, Version = (long)service.Version.Index }, cancellationToken);
            }

            var deadline = time.GetUtcNow() + grace + StopMargin;
            foreach (var task in tasks)
            {
                while (time.GetUtcNow() < deadline && await TaskStateAsync(task.ID, cancellationToken) is { } state && !SwarmTaskOutcome.IsTerminal(state))
                {
                    await Task.Delay(PollInterval, time, cancellationToken);
                }
            }

            await RemoveAsync(await TasksAsync(cancellationToken), cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // already gone: nothing to stop
        }
    }

    /// <summary>Removes the service, and the exited container of its task where it ran on the engine the worker talks to.</summary>
    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<TaskResponse> tasks;
        try
        {
            tasks = await TasksAsync(cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return; // already removed (a stop does that)
        }

        await RemoveAsync(tasks, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_usage is not null)
        {
            await _usage.DisposeAsync();
        }
    }

    private async Task RemoveAsync(IReadOnlyList<TaskResponse> tasks, CancellationToken cancellationToken)
    {
        await RemoveServiceAsync(cancellationToken);

        // Docker 20.10 keeps a removed job's tasks and their exited containers (moby/moby#42789):
        // the worker can remove those that ran here; on other nodes only the engine can.
        var info = await client.System.GetSystemInfoAsync(cancellationToken);
        foreach (var task in tasks.Where(t => t.NodeID == info.Swarm?.NodeID && t.Status?.ContainerStatus?.ContainerID is { Length: > 0 }))
        {
            var container = task.Status.ContainerStatus.ContainerID;
            try
            {
                await client.Containers.RemoveContainerAsync(container, new ContainerRemoveParameters { Force = true }, cancellationToken);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                // Swarm removed it itself
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                // Swarm is removing it (the service's removal started that): the release that follows
                // this must not come before the container is gone, or the next run's claim could.
                await UntilGoneAsync(container, cancellationToken);
            }
        }
    }

    private async Task UntilGoneAsync(string container, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + StopMargin;
        while (time.GetUtcNow() < deadline)
        {
            try
            {
                await client.Containers.InspectContainerAsync(container, cancellationToken);
            }
            catch (DockerContainerNotFoundException)
            {
                return;
            }

            await Task.Delay(PollInterval / 5, time, cancellationToken);
        }
    }

    private async Task RemoveServiceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.Swarm.RemoveServiceAsync(serviceId, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // already gone
        }
    }

    /// <summary>The run's tasks, oldest first; a NotFound <see cref="DockerApiException"/> when the service is gone.</summary>
    internal async Task<IReadOnlyList<TaskResponse>> TasksAsync(CancellationToken cancellationToken)
    {
        var tasks = await client.Tasks.ListAsync(new TasksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["service"] = new Dictionary<string, bool> { [serviceId] = true },
            },
        }, cancellationToken);

        // Tasks of a later job iteration are the unplaceable ones a stop creates, never the run's.
        var first = tasks.Where(t => t.JobIteration is not null).Select(t => t.JobIteration.Index).DefaultIfEmpty().Min();
        return [.. tasks.Where(t => t.JobIteration is null || t.JobIteration.Index == first).OrderBy(t => t.CreatedAt)];
    }

    private async Task<RunExit> WaitForEndAsync(CancellationToken cancellationToken)
    {
        string? lastNote = null;
        var nodeNoted = false;
        while (true)
        {
            try
            {
                var task = await CurrentTaskAsync(cancellationToken);
                if (task is null)
                {
                    if (_stopping)
                    {
                        return new RunExit(null, Error: $"Service {ShortId} was stopped.");
                    }
                }
                else if (SwarmTaskOutcome.Of(task) is { } exit)
                {
                    return exit;
                }
                else
                {
                    lastNote = NoteWaiting(task, lastNote);
                    nodeNoted = nodeNoted || await NoteNodeAsync(task, cancellationToken);
                    await StartUsageAsync(task, cancellationToken);
                }
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return new RunExit(null, Error: _stopping
                    ? $"Service {ShortId} was stopped."
                    : $"Service {ShortId} disappeared before its job ended (removed outside the worker).");
            }
            catch (Exception ex) when (DockerErrors.IsEngineUnreachable(ex, cancellationToken))
            {
                await Task.Delay(EngineRetry, time, cancellationToken);
                continue;
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>
    /// Samples the task's container once it has one, when it runs on the engine this worker talks to;
    /// a task on another node has no usage (its engine is out of reach), which is not an error.
    /// </summary>
    private async Task StartUsageAsync(TaskResponse task, CancellationToken cancellationToken)
    {
        if (_usageDecided || task.Status?.ContainerStatus?.ContainerID is not { Length: > 0 } containerId || string.IsNullOrEmpty(task.NodeID))
        {
            return;
        }

        _usageDecided = true;
        string? local;
        try
        {
            local = (await client.System.GetSystemInfoAsync(cancellationToken)).Swarm?.NodeID;
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return; // the engine does not say which node it is: the run goes on without usage
        }

        if (task.NodeID == local)
        {
            _usage = ContainerUsage.Start(client, containerId, time);
        }
    }

    /// <summary>The run's task; null while Swarm has not made it yet.</summary>
    private async Task<TaskResponse?> CurrentTaskAsync(CancellationToken cancellationToken)
    {
        if (_taskId is { } id)
        {
            return await client.Tasks.InspectAsync(id, cancellationToken);
        }

        var tasks = await TasksAsync(cancellationToken);
        var task = tasks.Count > 0 ? tasks[0] : null;
        _taskId = task?.ID;
        return task;
    }

    private async Task<TaskState?> TaskStateAsync(string taskId, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.Tasks.InspectAsync(taskId, cancellationToken)).Status?.State;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Says once why a job waits for a node (constraints nobody meets, too few resources), as Swarm puts it.</summary>
    private string? NoteWaiting(TaskResponse task, string? lastNote)
    {
        var reason = task.Status?.Err;
        if (task.Status?.State is TaskState.Pending && !string.IsNullOrWhiteSpace(reason) && reason != lastNote)
        {
            logs.Write("worker", $"Waiting for a Swarm node: {reason}", level: "warning");
            return reason;
        }

        return lastNote;
    }

    private async Task<bool> NoteNodeAsync(TaskResponse task, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(task.NodeID) || task.Status?.State is null or < TaskState.Assigned)
        {
            return false;
        }

        string where;
        try
        {
            where = (await client.Swarm.InspectNodeAsync(task.NodeID, cancellationToken)).Description?.Hostname ?? task.NodeID;
        }
        catch (DockerApiException)
        {
            where = task.NodeID; // the node left meanwhile: its id is all there is
        }

        logs.Write("worker", $"Job scheduled on Swarm node {where}");
        return true;
    }

    private async Task FollowLogsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReadLogsAsync(follow: true, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
            catch (Exception ex) when (DockerErrors.IsEngineUnreachable(ex, cancellationToken) || ex is DockerApiException)
            {
                // The stream broke (engine restart, a manager change): resume after the last line shipped.
            }

            try
            {
                await Task.Delay(EngineRetry, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Lines the follow stream had not delivered yet when the task ended.</summary>
    private async Task ReadTailAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(LogTailTimeout);
        try
        {
            await ReadLogsAsync(follow: false, timeout.Token);
        }
        catch (Exception ex) when (ex is DockerApiException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            || DockerErrors.IsEngineUnreachable(ex, cancellationToken))
        {
            // The service is gone (stopped) or the engine is away: what was streamed is what there is.
        }
    }

    private async Task ReadLogsAsync(bool follow, CancellationToken cancellationToken)
    {
        using var stream = await client.Swarm.GetServiceLogsAsync(serviceId, tty: false, new ServiceLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Follow = follow,
            Timestamps = true,
            Since = _sink.ResumeFrom is { } from ? DockerLogReader.Since(from) : null,
        }, cancellationToken);
        await DockerLogReader.ReadAsync(stream, _sink, after: null, cancellationToken);
    }
}

using Console.Projects.Images;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Console.Worker.Infrastructure.Docker;

/// <summary>A container of one run. Survives short engine outages: waiting and log streaming resume when it is back.</summary>
internal sealed class DockerRunHandle(DockerClient client, string id, bool autoRemove, bool streamOutput, ILogSink logs, DateTime? logsAfter, TimeProvider time)
    : IRunHandle
{
    private static readonly TimeSpan EngineRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LogTailTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan OomRecheckDelay = TimeSpan.FromMilliseconds(200);
    private const int OomRecheckAttempts = 10;
    private readonly CursorSink _sink = new(logs, logsAfter);

    public string InfrastructureId => id;

    public async Task<RunExit> WatchAsync(CancellationToken cancellationToken)
    {
        using var logsStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streaming = streamOutput ? StreamLogsAsync(logsStop.Token) : Task.CompletedTask;
        await using var usage = ContainerUsage.Start(client, id, time);
        var exit = await WaitAsync(cancellationToken) with { Usage = await usage.StopAsync() };
        try
        {
            // The follow stream ends by itself once the container has exited; this only bounds a stuck one.
            await streaming.WaitAsync(LogTailTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            await logsStop.CancelAsync();
        }

        return exit;
    }

    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        try
        {
            await client.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)grace.TotalSeconds }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            // already gone: nothing to stop
        }
    }

    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        if (!autoRemove)
        {
            return;
        }

        try
        {
            await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            // already gone
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<RunExit> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                // The wait's answer carries the exit code: a clean exit needs no inspect (one round trip
                // less before the end is reported); a failed one is inspected for an OOM kill and the engine's error.
                var waited = await client.Containers.WaitContainerAsync(id, cancellationToken);
                if (waited.StatusCode == 0 && string.IsNullOrEmpty(waited.Error?.Message))
                {
                    return new RunExit(0);
                }

                var state = await InspectEndAsync(cancellationToken);
                return new RunExit((int)state.ExitCode, state.OOMKilled, string.IsNullOrEmpty(state.Error) ? null : state.Error);
            }
            catch (DockerContainerNotFoundException)
            {
                return new RunExit(null, Error: $"Container {id[..12]} disappeared (removed outside the worker).");
            }
            catch (Exception ex) when (DockerErrors.IsEngineUnreachable(ex, cancellationToken))
            {
                await Task.Delay(EngineRetry, time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The ended container's state. Under cgroup v2 the engine can learn of an OOM kill after the exit
    /// (the runtime's OOM event may follow its exit event), so a SIGKILL of a container with a memory
    /// limit is inspected again for a short while before it is called a plain kill.
    /// </summary>
    private async Task<ContainerState> InspectEndAsync(CancellationToken cancellationToken)
    {
        var inspect = await client.Containers.InspectContainerAsync(id, cancellationToken);
        if (inspect.HostConfig is not { Memory: > 0 })
        {
            return inspect.State;
        }

        for (var attempt = 0; attempt < OomRecheckAttempts && inspect.State is { ExitCode: 137, OOMKilled: false }; attempt++)
        {
            await Task.Delay(OomRecheckDelay, time, cancellationToken);
            inspect = await client.Containers.InspectContainerAsync(id, cancellationToken);
        }

        return inspect.State;
    }

    private async Task StreamLogsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var stream = await client.Containers.GetContainerLogsAsync(id, tty: false, new ContainerLogsParameters
                {
                    ShowStdout = true,
                    ShowStderr = true,
                    Follow = true,
                    Timestamps = true,
                    Since = _sink.Cursor is { } cursor ? DockerLogReader.Since(cursor) : null,
                }, cancellationToken);
                await DockerLogReader.ReadAsync(stream, _sink, _sink.Cursor, cancellationToken);

                // The follow stream can end with the container before the engine has written the
                // container's last, unterminated line: one plain read after the cursor picks it up.
                using var rest = await client.Containers.GetContainerLogsAsync(id, tty: false, new ContainerLogsParameters
                {
                    ShowStdout = true,
                    ShowStderr = true,
                    Timestamps = true,
                    Since = _sink.Cursor is { } last ? DockerLogReader.Since(last) : null,
                }, cancellationToken);
                await DockerLogReader.ReadAsync(rest, _sink, _sink.Cursor, cancellationToken);
                return;
            }
            catch (DockerContainerNotFoundException)
            {
                return;
            }
            catch (Exception ex) when (DockerErrors.IsEngineUnreachable(ex, cancellationToken))
            {
                // The engine went away mid-stream: resume after the last line seen once it is back.
                await Task.Delay(EngineRetry, time, cancellationToken);
            }
        }
    }

    /// <summary>Remembers the timestamp of the last line shipped, so a resumed stream neither repeats nor loses lines.</summary>
    private sealed class CursorSink(ILogSink inner, DateTime? cursor) : ILogSink
    {
        public DateTime? Cursor { get; private set; } = cursor;

        public void Write(string stream, string message, DateTime? timestamp = null, string level = "info")
        {
            if (timestamp is { } ts && (Cursor is null || ts > Cursor))
            {
                Cursor = ts;
            }

            inner.Write(stream, message, timestamp, level);
        }
    }
}

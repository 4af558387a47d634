using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Worker.Api;
using Console.Worker.Infrastructure;
using Console.Worker.Outbox;
using Console.Worker.Pull;
using Console.Contracts.Deployments;
using Console.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Worker.Runs;

/// <summary>
/// Carries one claimed run from Pending to its end. Delivery is at least once: every report goes
/// through the outbox, and the server's transitions are idempotent, so a repeat is harmless.
/// </summary>
public sealed partial class RunSupervisor(
    IConsoleApi api,
    ReportOutbox outbox,
    WorkerIdentity identity,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    WorkerMetrics metrics,
    PullStepRunner pullSteps,
    Hosting.WorkerDrain drain,
    ILogger<RunSupervisor> logger)
{
    private readonly WorkerOptions _options = options.Value;

    private TimeSpan Grace => TimeSpan.FromSeconds(_options.CancelGraceSeconds);

    public async Task RunAsync(PoolContext pool, FlowRunDto run, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(run);
        using var sink = NewSink(run);

        // 1. claim: the run is Pending and ours; the caller holds its slot until this method returns.
        var infrastructure = pool.Infrastructure ?? throw new InvalidOperationException("The pool has no infrastructure.");
        RunSpec spec;
        try
        {
            var template = pool.Template ?? throw new InfrastructureException("The work pool's base job template is not known yet.");
            var merged = template.Merge(null, run.JobVariables);

            // The server checked these on create; the worker checks again, as the last one to see what will run.
            JobSecurityPolicy.CheckRun(template, run.JobVariables, merged, _options.Host);
            // Secrets last, into the rendered configuration only: what the checks above saw holds names, never values.
            var configuration = SecretReferences.Substitute(template.Render(merged), run.Secrets);
            spec = new RunSpec(run, configuration, identity.Name, _options.FlowApiUrl ?? _options.ApiUrl)
            {
                RunToken = await RunTokenAsync(run.Id, sink, stopping),
            };
        }
        catch (Exception ex) when (ex is InfrastructureException or ConsoleException)
        {
            var reason = $"The job configuration is invalid; the worker created nothing. {RunOutcomes.Describe(ex)}";
            sink.Write("worker", reason, level: "error");
            await EndAsync(run, sink, RunOutcomes.Crashed(reason), null, stopping);
            return;
        }

        // 1b. code: the pull steps (a git checkout, a working directory) before anything is created.
        try
        {
            spec = spec with { Code = await pullSteps.RunAsync(run, sink, stopping) };
        }
        catch (PullStepException ex)
        {
            sink.Write("worker", ex.Message, level: "error");
            await EndAsync(run, sink, RunOutcomes.Crashed(ex.Message), null, stopping);
            await RemoveCheckoutAsync(run.Id, stopping);
            return;
        }

        try
        {
            await StartAndSuperviseAsync(pool, run, spec, infrastructure, sink, stopping);
        }
        finally
        {
            // A container that outlives a stopping worker keeps its checkout: the worker that adopts it removes it.
            if (!stopping.IsCancellationRequested || pool.Infrastructure?.Type == "process")
            {
                await RemoveCheckoutAsync(run.Id, CancellationToken.None);
            }
        }
    }

    private async Task StartAndSuperviseAsync(PoolContext pool, FlowRunDto run, RunSpec spec, IInfrastructure infrastructure, RunLogSink sink, CancellationToken stopping)
    {
        // 2. running: create and start the infrastructure.
        IRunHandle handle;
        try
        {
            var starting = time.GetTimestamp();
            handle = await infrastructure.StartAsync(spec, sink, stopping);
            metrics.InfrastructureStarted(pool.Name, infrastructure.Type, time.GetElapsedTime(starting));
        }
        catch (InfrastructureUnavailableException ex)
        {
            // Not the run's fault: give it back so it stays Scheduled for a worker that can run it.
            LogReleased(logger, run.Id, ex.Message);
            await EndAsync(run, sink, new SetStateRequest
            {
                State = FlowRunState.Scheduled,
                Message = $"Released by worker {identity.Name}: {ex.Message}",
            }, null, stopping);
            return;
        }
        catch (InfrastructureException ex)
        {
            sink.Write("worker", ex.Message, level: "error");
            await EndAsync(run, sink, RunOutcomes.Crashed(ex.Message), null, stopping);
            return;
        }

        await using (handle)
        {
            // 3. container: it runs; report Running with its id, then stream it until it ends.
            sink.Flush();
            var running = outbox.EnqueueState(run.Id, new SetStateRequest
            {
                State = FlowRunState.Running,
                InfrastructureId = handle.InfrastructureId,
                CodeRevision = spec.Code?.Revision,
                Attempt = run.Attempt,
            });
            await SuperviseAsync(pool, run, handle, sink, running, startCancelled: false, stopping);
        }
    }

    /// <summary>
    /// The run's own token for <c>CONSOLE_API_KEY</c>: its logs and state only, so the flow never holds
    /// the worker's key. None on an open console (the worker has no key either) or when the server
    /// cannot issue one; the run still starts.
    /// </summary>
    private async Task<string?> RunTokenAsync(Guid runId, RunLogSink sink, CancellationToken stopping)
    {
        if (string.IsNullOrEmpty(_options.ApiKey))
        {
            return null;
        }

        try
        {
            return (await api.IssueRunTokenAsync(runId, stopping)).Token;
        }
        catch (Exception ex) when (ex is ConsoleApiException or HttpRequestException || (ex is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            sink.Write("worker", $"The run gets no API token of its own: {ex.Message}", level: "warning");
            return null;
        }
    }

    private async Task RemoveCheckoutAsync(Guid runId, CancellationToken cancellationToken)
    {
        try
        {
            await pullSteps.RemoveCheckoutAsync(runId, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Projects.Git.GitException)
        {
            LogCleanupFailed(logger, ex, runId);
        }
    }

    /// <summary>Takes over a run whose infrastructure outlived a previous worker process (found by label).</summary>
    public async Task AdoptAsync(PoolContext pool, FlowRunDto run, OrphanInfo orphan, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(orphan);
        var infrastructure = pool.Infrastructure ?? throw new InvalidOperationException("The pool has no infrastructure.");
        using var sink = NewSink(run);

        // Reports the last process left in the outbox journal go first, so the server's last log line is the cursor.
        await outbox.WhenDrainedAsync(run.Id, stopping);
        var cursor = await LastShippedLineAsync(run.Id, stopping);
        LogAdopting(logger, run.Id, orphan.InfrastructureId, orphan.IsRunning);
        await using var handle = await infrastructure.AdoptAsync(orphan, cursor, sink, stopping);
        var running = run.State == FlowRunState.Pending
            ? outbox.EnqueueState(run.Id, new SetStateRequest { State = FlowRunState.Running, InfrastructureId = handle.InfrastructureId, Attempt = run.Attempt })
            : Task.FromResult(ReportOutcome.Delivered);
        await SuperviseAsync(pool, run, handle, sink, running, run.State == FlowRunState.Cancelling, stopping);
        if (!stopping.IsCancellationRequested)
        {
            await RemoveCheckoutAsync(run.Id, CancellationToken.None); // what the previous worker process checked out for it
        }
    }

    private async Task SuperviseAsync(PoolContext pool, FlowRunDto run, IRunHandle handle, RunLogSink sink, Task<ReportOutcome> running,
        bool startCancelled, CancellationToken stopping)
    {
        var runId = run.Id;
        using var watchStop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var serverSays = startCancelled
            ? Task.FromResult<FlowRunState?>(FlowRunState.Cancelling)
            : WatchServerStateAsync(run, running, watchStop.Token);
        var timedOut = RunTimeout.ExpiresAsync(run, time, watchStop.Token);
        var drainOver = drain.WhenTimedOutAsync(watchStop.Token);
        var watch = handle.WatchAsync(stopping);
        FlowRunState? stopReason = null;
        var drainStopped = false;
        RunExit exit;
        try
        {
            var first = await Task.WhenAny(watch, serverSays, timedOut, drainOver);
            if (first == drainOver && await drainOver && !watch.IsCompleted)
            {
                // The worker drains and its drain timeout is over: stop it like a timeout; it ends Crashed (retried if the deployment retries).
                drainStopped = true;
                LogDrainStopped(logger, runId, drain.Timeout.TotalSeconds);
                sink.Write("worker", $"The worker is draining and its drain timeout ({drain.Timeout.TotalSeconds:0} s) is over: stopping the run (grace period {Grace.TotalSeconds:0} s, then kill)", level: "error");
                await handle.StopAsync(Grace, stopping);
            }
            else if (first == timedOut && await timedOut && !watch.IsCompleted)
            {
                // The deployment's timeoutSeconds is over: stop it like a cancel (grace period, then kill); it ends TimedOut.
                stopReason = FlowRunState.TimedOut;
                LogTimedOut(logger, runId, run.TimeoutSeconds ?? 0);
                sink.Write("worker", $"Timed out: still running after {run.TimeoutSeconds} s (the deployment's timeoutSeconds); stopping (grace period {Grace.TotalSeconds:0} s, then kill)", level: "error");
                await handle.StopAsync(Grace, stopping);
            }
            else if (first == serverSays && await serverSays is { } state)
            {
                // Cancelling (or ended elsewhere, e.g. crashed by the lease reaper): stop it, grace period then kill.
                stopReason = state;
                LogStopping(logger, runId, state);
                sink.Write("worker", state == FlowRunState.Cancelling
                    ? $"Cancel requested: stopping (grace period {Grace.TotalSeconds:0} s, then kill)"
                    : $"The run is {state} on the server: stopping its infrastructure");
                await handle.StopAsync(Grace, stopping);
            }

            exit = await watch;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await OnWorkerStoppingAsync(pool, run, handle, sink);
            return;
        }
        finally
        {
            await watchStop.CancelAsync();
        }

        // 4. result: the exit code decides, unless the run was cancelled or ended elsewhere meanwhile.
        SetStateRequest? end = drainStopped ? RunOutcomes.Crashed(
            $"Worker {identity.Name} was draining and stopped the run: it was still running when the drain timeout ({drain.Timeout.TotalSeconds:0} s) ended.",
            exit.ExitCode)
        : stopReason switch
        {
            FlowRunState.TimedOut => RunTimeout.Outcome(run, exit),
            FlowRunState.Cancelling => new SetStateRequest
            {
                State = FlowRunState.Cancelled,
                ExitCode = exit.ExitCode,
                Message = "Cancelled: the worker stopped the run.",
            },
            null => RunOutcomes.Classify(exit),
            _ => null, // already terminal on the server: nothing left to report
        };

        // What the infrastructure used goes with the end it reports (docs/api.md, "FlowRun.usage").
        end = end is null ? null : end with { Usage = exit.Usage };
        sink.Write("worker", end is null ? "Infrastructure stopped" : $"Run ended: {end.State}{(end.ExitCode is { } c ? $" (exit code {c})" : string.Empty)}");
        await EndAsync(run, sink, end, handle, stopping);
    }

    /// <summary>5. done: logs first, then the end state; the infrastructure is cleaned up once the server has it.</summary>
    private async Task EndAsync(FlowRunDto run, RunLogSink sink, SetStateRequest? end, IRunHandle? handle, CancellationToken stopping)
    {
        var runId = run.Id;

        // The attempt goes with every report: the server refuses one for an attempt the run has left.
        end = end is null ? null : end with { Attempt = run.Attempt };
        sink.Flush();
        if (end is not null)
        {
            LogEnded(logger, runId, end.State, end.Message is { Length: > 0 } m ? $": {m}" : string.Empty);
            try
            {
                await outbox.EnqueueState(runId, end).WaitAsync(stopping);
                await outbox.WhenDrainedAsync(runId, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return; // the report stays queued (and journaled); the container stays for a restarted worker to find
            }
        }

        if (handle is not null)
        {
            try
            {
                await handle.CleanupAsync(stopping);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogCleanupFailed(logger, ex, runId);
            }
        }
    }

    /// <summary>
    /// Completes with the server's state once it is Cancelling or terminal, or the run has left this
    /// attempt (e.g. the server ended it and it awaits its retry); Cancelled when the run is gone.
    /// </summary>
    private async Task<FlowRunState?> WatchServerStateAsync(FlowRunDto supervised, Task<ReportOutcome> running, CancellationToken cancellationToken)
    {
        var runId = supervised.Id;
        var interval = TimeSpan.FromSeconds(_options.CancelCheckSeconds);
        while (true)
        {
            // A refused Running report means the run moved on meanwhile (e.g. cancelled): look at once.
            var delay = Task.Delay(interval, time, cancellationToken);
            await Task.WhenAny(delay, running.IsCompleted ? delay : running);
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var run = await api.GetRunAsync(runId, cancellationToken);
                if (run is null)
                {
                    return FlowRunState.Cancelled;
                }

                if (run.State == FlowRunState.Cancelling || run.State.IsTerminal() || run.Attempt != supervised.Attempt
                    || run.State is FlowRunState.AwaitingRetry or FlowRunState.Scheduled)
                {
                    return run.State;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Server away or answering oddly: the run goes on; ask again next time.
                LogCheckFailed(logger, runId, ex.Message);
            }
        }
    }

    private async Task OnWorkerStoppingAsync(PoolContext pool, FlowRunDto run, IRunHandle handle, RunLogSink sink)
    {
        var runId = run.Id;
        if (pool.Infrastructure?.Type != "process")
        {
            // A container outlives the worker; a restarted worker adopts it by its labels.
            return;
        }

        // A child process cannot be adopted: stop it and say why, rather than leave it unsupervised.
        sink.Write("worker", "The worker is stopping: the process is stopped with it", level: "error");
        await handle.StopAsync(TimeSpan.FromSeconds(Math.Min(_options.CancelGraceSeconds, 5)), CancellationToken.None);
        sink.Flush();
        _ = outbox.EnqueueState(runId, RunOutcomes.Crashed($"Worker {identity.Name} stopped while the process ran.") with { Attempt = run.Attempt });
    }

    private async Task<DateTime?> LastShippedLineAsync(Guid runId, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                DateTime? last = null;
                long after = 0;
                while (true)
                {
                    var page = await api.GetLogsAsync(runId, after, cancellationToken);
                    var next = page.Count == 0 ? after : page.Max(l => l.Seq);
                    if (next <= after)
                    {
                        return last;
                    }

                    after = next;
                    foreach (var line in page.Where(l => l.Stream is "stdout" or "stderr"))
                    {
                        last = last is null || line.Timestamp > last ? line.Timestamp : last;
                    }
                }
            }
            catch (Exception ex) when (ConsoleApiException.IsTransient(ex, cancellationToken))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
        }
    }

    private RunLogSink NewSink(FlowRunDto run) =>
        new(run.Id, run.Attempt, outbox, time, _options.LogBatchLines, TimeSpan.FromMilliseconds(_options.LogFlushMilliseconds));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} released back to its queue: {Reason}")]
    private static partial void LogReleased(ILogger logger, Guid runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adopting run {RunId} ({InfrastructureId}, still running: {IsRunning})")]
    private static partial void LogAdopting(ILogger logger, Guid runId, string infrastructureId, bool isRunning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping run {RunId}: it timed out after {TimeoutSeconds} s")]
    private static partial void LogTimedOut(ILogger logger, Guid runId, int timeoutSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping run {RunId}: the worker's drain timeout ({Seconds} s) is over")]
    private static partial void LogDrainStopped(ILogger logger, Guid runId, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping run {RunId}: it is {State} on the server")]
    private static partial void LogStopping(ILogger logger, Guid runId, FlowRunState state);

    // The detail carries its own separator: a run without a message logs "ended: Completed", never "(null)".
    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} ended: {State}{Detail}")]
    private static partial void LogEnded(ILogger logger, Guid runId, FlowRunState? state, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not check the state of run {RunId}: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, Guid runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not clean up the infrastructure of run {RunId}")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, Guid runId);
}

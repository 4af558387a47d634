using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Contracts.WorkPools;
using Console.Worker.Api;
using Console.Worker.Infrastructure;
using Console.Worker.Outbox;
using Console.Worker.Runs;
using Console.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Worker.Hosting;

/// <summary>
/// The worker's logic, host-agnostic and testable: one long-poll loop per pool is the dispatch
/// path (a due run is claimed the moment the server releases the poll); heartbeats and the
/// watchdog/recovery pass are separate entry points that Hangfire calls on a schedule (ADR 0003).
/// Runs are supervised here, never as Hangfire jobs.
/// </summary>
public sealed partial class WorkerProcessor(
    IConsoleApi api,
    ReportOutbox outbox,
    RunSupervisor supervisor,
    InfrastructureFencer fencer,
    IEnumerable<IInfrastructure> infrastructures,
    WorkerIdentity identity,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    WorkerMetrics metrics,
    WorkerDrain drain,
    ILogger<WorkerProcessor> logger) : IAsyncDisposable
{
    private static readonly TimeSpan UnhealthyRetry = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    /// <summary>How long recovery leaves an answered run to its supervisor (far beyond any delay of the server's list).</summary>
    private static readonly TimeSpan AnsweredKept = TimeSpan.FromHours(1);

    // The server takes at most 1,000 (WorkerImages.MaxImages); the newest are the likeliest to be run.
    private const int MaxReportedImages = 1000;
    private readonly WorkerOptions _options = options.Value;
    private readonly Dictionary<string, PoolContext> _pools = options.Value.Pools.Distinct(StringComparer.Ordinal)
        .ToDictionary(p => p, p => new PoolContext(p), StringComparer.Ordinal);
    private readonly SemaphoreSlim _recovery = new(1, 1);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stopping;
    private CancellationTokenSource? _polling;
    private int _stopped;
    private Task? _outboxLoop;

    public string Name => identity.Name;

    public IReadOnlyCollection<PoolContext> Pools => _pools.Values;

    /// <summary>When <see cref="StartAsync"/> ran; null before.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>Ids of the runs supervised now, across pools.</summary>
    public IReadOnlyCollection<Guid> ActiveRuns => [.. _pools.Values.SelectMany(p => p.Active.Keys)];

    /// <summary>Completes once a drain has ended: every run finished, or was stopped at the drain timeout.</summary>
    public Task Drained => _drained.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        _polling = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        _stopped = 0;
        StartedAt = time.GetUtcNow();
        _outboxLoop = Task.Run(() => outbox.RunAsync(_stopping.Token), CancellationToken.None);
        foreach (var pool in _pools.Values)
        {
            StartLoop(pool);
        }

        LogStarted(logger, identity.Name, _options.Pools);
        return Task.CompletedTask;
    }

    /// <summary>Stops polling and supervising. Containers keep running for a restarted worker to adopt.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host's stop and DisposeAsync both call this: the second call has nothing left to do.
        if (_stopping is null || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        // A finished drain leaves nothing running: the worker says it stopped, and it is Offline at once.
        var clean = drain.IsDraining && _pools.Values.All(p => p.Active.IsEmpty);
        await _stopping.CancelAsync();
        var tasks = _pools.Values.SelectMany(p => p.Active.Values.Append(p.Loop ?? Task.CompletedTask)).ToList();
        await Task.WhenAll(tasks).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

        // Last chance to deliver what is queued (e.g. process runs reported crashed just now).
        using var flush = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        flush.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await outbox.DeliverAllAsync(flush.Token);
        }
        catch (OperationCanceledException)
        {
            // what is left stays in the journal, if the worker has one
        }

        if (_outboxLoop is not null)
        {
            await _outboxLoop.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (clean)
        {
            // Runs left behind (containers for a restarted worker to adopt) keep today's rule: Offline once heartbeats lapse.
            using var last = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            last.CancelAfter(TimeSpan.FromSeconds(5));
            foreach (var pool in _pools.Values.Where(p => p.Infrastructure is not null))
            {
                await SendHeartbeatAsync(pool, last.Token, stopped: true);
            }
        }

        LogStopped(logger, identity.Name);
    }

    /// <summary>
    /// Begins the drain (once): claim nothing new, tell the server, let the runs end (up to the drain
    /// timeout, then stop them), then complete <see cref="Drained"/>. Returns at once.
    /// </summary>
    public void BeginDrain(string reason)
    {
        if (_stopping is null || !drain.Begin())
        {
            return;
        }

        _ = Task.Run(() => DrainCoreAsync(reason), CancellationToken.None);
    }

    /// <summary>Drains and waits for the end of it, unless <paramref name="immediate"/> says to stop at once.</summary>
    public async Task DrainAsync(string reason, CancellationToken immediate)
    {
        BeginDrain(reason);
        try
        {
            await Drained.WaitAsync(immediate);
        }
        catch (OperationCanceledException) when (immediate.IsCancellationRequested)
        {
            LogDrainInterrupted(logger, identity.Name, ActiveRuns.Count);
        }
    }

    private async Task DrainCoreAsync(string reason)
    {
        try
        {
            var timeout = drain.Timeout;
            LogDraining(logger, identity.Name, reason, ActiveRuns.Count, timeout.TotalSeconds);

            // 1. The server hears it first, so it refuses this worker's claims from now on; then the polls stop.
            using (var told = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                foreach (var pool in _pools.Values.Where(p => p.Infrastructure is not null))
                {
                    await SendHeartbeatAsync(pool, told.Token);
                }
            }

            await _polling!.CancelAsync();
            await Task.WhenAll(_pools.Values.Select(p => p.Loop ?? Task.CompletedTask)).ContinueWith(_ => { }, TaskScheduler.Default);

            // 2. A claim whose answer the stopped poll never read is given back (see RecoverAsync).
            foreach (var pool in _pools.Values.Where(p => p.Recovered))
            {
                try
                {
                    await RecoverAsync(pool, _stopping!.Token);
                }
                catch (Exception ex) when (ex is ConsoleApiException || ConsoleApiException.IsTransient(ex, _stopping!.Token))
                {
                    LogDrainRecoveryFailed(logger, pool.Name, ex.Message);
                }
            }

            // 3. The runs end on their own, or are stopped once the drain timeout is over.
            var runs = Task.WhenAll(_pools.Values.SelectMany(p => p.Active.Values));
            try
            {
                await runs.WaitAsync(timeout, time);
            }
            catch (TimeoutException)
            {
                LogDrainTimedOut(logger, identity.Name, ActiveRuns.Count, timeout.TotalSeconds);
                drain.Expire();
                await runs.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception)
            {
                // a run's own failure was reported by its supervisor
            }

            LogDrained(logger, identity.Name);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogLoopError(logger, ex, "(drain)");
        }
        finally
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Sends one heartbeat per pool with the infrastructure's health (Hangfire calls this on a schedule).</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        foreach (var pool in _pools.Values)
        {
            // Until the poll loop knows the pool, it heartbeats itself (a stale "starting" beat
            // landing after its first healthy one would make the server refuse its claims).
            if (pool.Infrastructure is { } infrastructure)
            {
                pool.Health = await infrastructure.CheckHealthAsync(cancellationToken);
                if (await SendHeartbeatAsync(pool, cancellationToken) is { Draining: true })
                {
                    BeginDrain("the console asked it to drain");
                }
            }
        }
    }

    /// <summary>Restarts a poll loop that died and adopts or cleans up infrastructure no run of this process holds.</summary>
    public async Task WatchdogAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null || _stopping.IsCancellationRequested)
        {
            return;
        }

        foreach (var pool in _pools.Values)
        {
            if (pool.Loop is { IsCompleted: true } && !drain.IsDraining)
            {
                LogLoopRestarted(logger, pool.Name);
                StartLoop(pool);
            }

            if (pool.Recovered && pool.Health.IsHealthy)
            {
                await RecoverAsync(pool, cancellationToken);
                await FenceAsync(pool, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping is not null)
        {
            await StopAsync(CancellationToken.None);
            _polling?.Dispose();
            _stopping.Dispose();
        }

        _recovery.Dispose();
    }

    private void StartLoop(PoolContext pool)
    {
        var stopping = _polling!.Token;
        pool.Loop = Task.Run(() => PollLoopAsync(pool, stopping), CancellationToken.None);
    }

    private async Task PollLoopAsync(PoolContext pool, CancellationToken stopping)
    {
        var backoff = TimeSpan.Zero;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (backoff > TimeSpan.Zero)
                {
                    await Task.Delay(backoff, time, stopping);
                }

                if (!await ReadyAsync(pool, stopping))
                {
                    backoff = UnhealthyRetry;
                    continue;
                }

                var free = _options.Limit - pool.Active.Count;
                if (free <= 0)
                {
                    pool.ConsumeSlotSignal();
                    if (_options.Limit - pool.Active.Count <= 0)
                    {
                        await pool.WaitForSlotAsync(stopping);
                    }

                    backoff = TimeSpan.Zero;
                    continue;
                }

                pool.Polling = true;
                try
                {
                    var answer = await api.PollAsync(pool.Name, new PollRequest
                    {
                        WorkerName = identity.Name,
                        Queues = _options.Queues.Count > 0 ? _options.Queues : null,
                        Limit = free,
                        WaitSeconds = _options.PollWaitSeconds,
                        HeartbeatIntervalSeconds = _options.HeartbeatIntervalSeconds,
                    }, stopping);
                    pool.LastPolledAt = time.GetUtcNow();
                    metrics.Polled(pool.Name);
                    if (answer.Runs.Count > 0)
                    {
                        // The template the claim read is the one held: no round trip before the runs start.
                        if (answer.PoolTemplate is null || answer.PoolTemplate != pool.TemplateTag)
                        {
                            await RefreshPoolAsync(pool, stopping, answer.PoolTemplate);
                        }

                        foreach (var run in answer.Runs)
                        {
                            pool.Answered[run.Id] = time.GetUtcNow();
                            Launch(pool, run.Id, ct => supervisor.RunAsync(pool, run, ct), claimed: true);
                        }
                    }
                }
                finally
                {
                    pool.Polling = false;
                }

                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ConsoleApiException.IsTransient(ex, stopping))
            {
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                LogServerUnreachable(logger, pool.Name, ex.Message, backoff.TotalSeconds);
            }
            catch (Exception ex)
            {
                // One bad iteration never stops the worker.
                backoff = TimeSpan.FromSeconds(5);
                LogLoopError(logger, ex, pool.Name);
            }
        }
    }

    /// <summary>Knows the pool and its infrastructure is healthy; heartbeats at once when the health changes.</summary>
    private async Task<bool> ReadyAsync(PoolContext pool, CancellationToken stopping)
    {
        if (pool.Infrastructure is null)
        {
            await RefreshPoolAsync(pool, stopping);
        }

        var health = pool.Infrastructure is { } infrastructure
            ? await infrastructure.CheckHealthAsync(stopping)
            : pool.Health;
        var changed = health.IsHealthy != pool.Health.IsHealthy || health.Message != pool.Health.Message;
        pool.Health = health;
        if (changed)
        {
            if (health.IsHealthy)
            {
                LogHealthy(logger, pool.Name);
            }
            else
            {
                LogUnhealthy(logger, pool.Name, health.Message);
            }

            await SendHeartbeatAsync(pool, stopping);
        }

        if (!health.IsHealthy)
        {
            return false;
        }

        if (!pool.Recovered)
        {
            // Before the first claim: runs left by an earlier process count against the limit.
            await RecoverAsync(pool, stopping);
            pool.Recovered = true;
        }

        return true;
    }

    /// <summary>Fetches (or creates) the pool: its type picks the infrastructure, its template renders the runs.</summary>
    /// <param name="tag">
    /// The template's tag in the poll answer that asked for this. The pool read here is at least as
    /// new as the claim's: when it is newer the next answer's tag differs, and the pool is read again.
    /// </param>
    private async Task RefreshPoolAsync(PoolContext pool, CancellationToken stopping, string? tag = null)
    {
        pool.TemplateTag = null;
        var dto = await api.GetPoolAsync(pool.Name, stopping);
        if (dto is null && _options.CreatePoolIfMissing)
        {
            dto = await api.CreatePoolAsync(pool.Name, _options.Type ?? WorkPoolTypes.Process, stopping);
            LogPoolCreated(logger, pool.Name, dto.Type);
        }

        if (dto is null)
        {
            pool.Health = new InfrastructureHealth(false, $"Work pool '{pool.Name}' does not exist.");
            return;
        }

        var type = _options.Type ?? dto.Type;
        pool.Template = JobTemplate.ParseDeferred(dto.BaseJobTemplate);
        pool.TemplateTag = tag;
        pool.Infrastructure = infrastructures.FirstOrDefault(i => i.Type == type);
        if (pool.Infrastructure is null)
        {
            pool.Health = new InfrastructureHealth(false, $"This worker cannot run '{type}' pools.");
        }
    }

    /// <returns>What the server answered (null: nothing to say, or it could not be reached).</returns>
    private async Task<HeartbeatAnswer?> SendHeartbeatAsync(PoolContext pool, CancellationToken cancellationToken, bool stopped = false)
    {
        try
        {
            return await api.HeartbeatAsync(pool.Name, new HeartbeatRequest
            {
                Name = identity.Name,
                HeartbeatIntervalSeconds = _options.HeartbeatIntervalSeconds,
                Queues = _options.Queues,
                IsHealthy = pool.Health.IsHealthy,
                HealthMessage = pool.Health.Message,
                Draining = drain.IsDraining && !stopped ? true : null,
                Stopped = stopped ? true : null,
                Images = !stopped && pool.Health.IsHealthy && pool.Infrastructure is IImageInventory inventory
                    ? await inventory.ListImagesAsync(MaxReportedImages, cancellationToken)
                    : null,
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is ConsoleApiException || ConsoleApiException.IsTransient(ex, cancellationToken))
        {
            LogHeartbeatFailed(logger, pool.Name, ex.Message);
            return null;
        }
    }

    /// <summary>Adopts this worker's infrastructure that no supervisor holds, cleans up what no run owns, and ends runs whose infrastructure is gone.</summary>
    private async Task RecoverAsync(PoolContext pool, CancellationToken cancellationToken)
    {
        if (pool.Infrastructure is not { } infrastructure)
        {
            return;
        }

        await _recovery.WaitAsync(cancellationToken);
        try
        {
            var seen = new HashSet<Guid>();
            foreach (var orphan in await infrastructure.FindOrphansAsync(identity.Name, cancellationToken))
            {
                seen.Add(orphan.RunId);
                if (IsActive(orphan.RunId))
                {
                    continue;
                }

                var run = await api.GetRunAsync(orphan.RunId, cancellationToken);
                if (run is not null && run.WorkPoolName != pool.Name && _pools.ContainsKey(run.WorkPoolName))
                {
                    continue; // that pool's loop takes care of it
                }

                if (run is not null && run.State.IsActive() && run.WorkerName == identity.Name)
                {
                    Launch(pool, run.Id, ct => supervisor.AdoptAsync(pool, run, orphan, ct));
                }
                else if (run is not null && run.State.IsTerminal() && !orphan.IsRunning)
                {
                    if (orphan.AutoRemove)
                    {
                        await infrastructure.RemoveOrphanAsync(orphan, cancellationToken);
                    }
                }
                else
                {
                    // Deleted, released to another worker, or ended elsewhere while still running: it must not go on.
                    LogOrphanRemoved(logger, orphan.InfrastructureId, orphan.RunId, run?.State.ToString() ?? "deleted");
                    await infrastructure.RemoveOrphanAsync(orphan, cancellationToken);
                }
            }

            foreach (var (id, at) in pool.Answered)
            {
                if (time.GetUtcNow() - at > AnsweredKept && !IsActive(id))
                {
                    pool.Answered.TryRemove(id, out _);
                }
            }

            var unanswered = new HashSet<Guid>();
            foreach (var run in await api.ListRunsAsync(pool.Name, identity.Name, null, cancellationToken))
            {
                if (!run.State.IsActive() || run.WorkerName != identity.Name || seen.Contains(run.Id) || IsActive(run.Id)
                    || pool.Answered.ContainsKey(run.Id))
                {
                    continue;
                }

                if (run.State == FlowRunState.Pending)
                {
                    if (pool.Polling && !pool.Unanswered.Contains(run.Id))
                    {
                        // The poll on its way back may be the one that claimed it, and its answer starts
                        // it; if the next pass still finds it unanswered, that answer was lost.
                        unanswered.Add(run.Id);
                        continue;
                    }

                    // Claimed by a poll whose answer no process here read (an earlier process, an answer
                    // lost on the way, a poll the drain stopped): given back, so the next claim hands it
                    // out with its pull steps and secrets, which the run list does not carry.
                    var reason = drain.IsDraining ? "it is draining" : "the answer of the poll that claimed it never reached the worker";
                    LogReleasedUnread(logger, run.Id, reason);
                    _ = outbox.EnqueueState(run.Id, new SetStateRequest
                    {
                        State = FlowRunState.Scheduled,
                        Message = $"Released by worker {identity.Name}: {reason}.",
                        Attempt = run.Attempt,
                    });
                }
                else
                {
                    LogLost(logger, run.Id, run.State);
                    var message = $"Worker {identity.Name} restarted and the run's {infrastructure.Type} infrastructure is gone.";
                    var outcome = run.State == FlowRunState.Cancelling
                        ? new SetStateRequest { State = FlowRunState.Cancelled, Message = message, Attempt = run.Attempt }
                        : RunOutcomes.Crashed(message) with { Attempt = run.Attempt };
                    _ = outbox.EnqueueState(run.Id, outcome);
                }
            }

            pool.Unanswered = unanswered;
        }
        finally
        {
            _recovery.Release();
        }
    }

    /// <summary>Stops what runs that lost their worker left on the engine, whichever worker of the pool started it.</summary>
    private async Task FenceAsync(PoolContext pool, CancellationToken cancellationToken)
    {
        if (pool.Infrastructure is not { } infrastructure)
        {
            return;
        }

        await _recovery.WaitAsync(cancellationToken);
        try
        {
            await fencer.FenceAsync(pool.Name, infrastructure, cancellationToken);
        }
        catch (Exception ex) when (ex is ConsoleApiException || ConsoleApiException.IsTransient(ex, cancellationToken))
        {
            LogFenceFailed(logger, pool.Name, ex.Message);
        }
        finally
        {
            _recovery.Release();
        }
    }

    private bool IsActive(Guid runId) => _pools.Values.Any(p => p.Active.ContainsKey(runId));

    /// <param name="claimed">The run came in a poll's answer: it must start, after the attempt before it if that is still here.</param>
    private void Launch(PoolContext pool, Guid runId, Func<CancellationToken, Task> supervise, bool claimed = false)
    {
        var stopping = _stopping!.Token;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = gate.Task.ContinueWith(_ => SuperviseAsync(pool, runId, supervise, stopping), CancellationToken.None,
            TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();

        // TryAdd first: the poll loop and the watchdog may both see a run; only one supervises it.
        if (pool.Active.TryAdd(runId, task))
        {
            gate.SetResult();
        }
        else if (claimed && pool.Active.TryGetValue(runId, out var previous))
        {
            // A retry claimed while the attempt before it still finishes (its end delivered, its
            // infrastructure being removed): it starts once that one has let go of the run.
            _ = previous.ContinueWith(_ => Launch(pool, runId, supervise, claimed), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default);
        }
        else if (claimed)
        {
            Launch(pool, runId, supervise, claimed); // the attempt before it let go meanwhile
        }
    }

    private async Task SuperviseAsync(PoolContext pool, Guid runId, Func<CancellationToken, Task> supervise, CancellationToken stopping)
    {
        // Every log line about the run, from any component, carries its id and this worker's name.
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["FlowRunId"] = runId, ["WorkerName"] = identity.Name, ["WorkPool"] = pool.Name });
        metrics.RunStarted(pool.Name);
        try
        {
            await supervise(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // the worker is stopping
        }
        catch (Exception ex)
        {
            LogRunError(logger, ex, runId);
            _ = outbox.EnqueueState(runId, RunOutcomes.Crashed($"The worker failed while supervising the run: {ex.Message}"));
        }
        finally
        {
            pool.Active.TryRemove(runId, out _);
            pool.SignalSlotFreed();
            metrics.RunEnded(pool.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} started for pools {Pools}")]
    private static partial void LogStarted(ILogger logger, string worker, IReadOnlyList<string> pools);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} stopped")]
    private static partial void LogStopped(ILogger logger, string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created work pool {Pool} of type {Type}")]
    private static partial void LogPoolCreated(ILogger logger, string pool, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {Pool}: the server is unreachable ({Reason}); retrying in {Seconds} s")]
    private static partial void LogServerUnreachable(ILogger logger, string pool, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pool {Pool}: poll loop iteration failed")]
    private static partial void LogLoopError(ILogger logger, Exception exception, string pool);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {Pool}: poll loop had stopped; restarted")]
    private static partial void LogLoopRestarted(ILogger logger, string pool);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {Pool}: unhealthy, claiming nothing: {Reason}")]
    private static partial void LogUnhealthy(ILogger logger, string pool, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pool {Pool}: healthy, polling")]
    private static partial void LogHealthy(ILogger logger, string pool);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {Pool}: heartbeat failed: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string pool, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed container {ContainerId} of run {RunId} ({State})")]
    private static partial void LogOrphanRemoved(ILogger logger, string containerId, Guid runId, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} was {State} on this worker but its infrastructure is gone")]
    private static partial void LogLost(ILogger logger, Guid runId, FlowRunState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {Pool}: fencing failed: {Reason}")]
    private static partial void LogFenceFailed(ILogger logger, string pool, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} is draining ({Reason}): it claims nothing new and waits for its {Runs} run(s), up to {Seconds} s; stop it again to stop at once")]
    private static partial void LogDraining(ILogger logger, string worker, string reason, int runs, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker}: the drain timeout ({Seconds} s) is over; stopping its {Runs} run(s)")]
    private static partial void LogDrainTimedOut(ILogger logger, string worker, int runs, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker}: drain interrupted, stopping at once with {Runs} run(s) left")]
    private static partial void LogDrainInterrupted(ILogger logger, string worker, int runs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} drained: no run left")]
    private static partial void LogDrained(ILogger logger, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {Pool}: could not look for claimed runs to give back while draining: {Reason}")]
    private static partial void LogDrainRecoveryFailed(ILogger logger, string pool, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} given back to its queue: {Reason}")]
    private static partial void LogReleasedUnread(ILogger logger, Guid runId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Supervising run {RunId} failed")]
    private static partial void LogRunError(ILogger logger, Exception exception, Guid runId);
}

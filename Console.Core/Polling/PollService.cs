using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Metrics;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Core.Polling;

/// <summary>
/// A worker's poll: claim now, or hold the request (no connection to the database, no transaction)
/// until the change feed says work may be there, the next scheduled run falls due, or the wait ends.
/// </summary>
public sealed class PollService(
    IServiceScopeFactory scopes,
    TimeProvider time,
    StatusRules rules,
    ConsoleMetrics metrics,
    ConnectionLossWatcher connections,
    PollWakeups wakeups,
    ClaimGate gate)
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;

    public async Task<IReadOnlyList<FlowRunDto>> PollAsync(string poolName, PollRequest request, CancellationToken ct) =>
        (await PollAsync(poolName, request, null, ct)).Runs;

    /// <param name="afterAnswer">
    /// Given what the claim publishes on the change feed (the claimed runs' worker and queue views,
    /// which cost queries), to run once the answer is written: the worker waits for its runs, not for
    /// the console's views. Null: published before this returns.
    /// </param>
    public async Task<PollAnswer> PollAsync(string poolName, PollRequest request, Action<Func<Task>>? afterAnswer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var workerName = Names.Require(request.WorkerName, "workerName");
        var limit = request.Limit ?? DefaultLimit;
        if (limit is < 0 or > MaxLimit)
        {
            throw new InvalidRequestException("limit", $"The limit must be 0 to {MaxLimit}.");
        }

        var waitSeconds = request.WaitSeconds ?? 0;
        if (double.IsNaN(waitSeconds) || waitSeconds < 0 || waitSeconds > rules.Options.MaxPollWaitSeconds)
        {
            throw new InvalidRequestException("waitSeconds", $"waitSeconds must be 0 to {rules.Options.MaxPollWaitSeconds}.");
        }

        WorkerService.ValidateInterval(request.HeartbeatIntervalSeconds);
        foreach (var queue in request.Queues ?? [])
        {
            Names.Require(queue, "queues");
        }

        var claim = new ClaimRequest(poolName, workerName, request.Queues, limit, request.HeartbeatIntervalSeconds);
        var deadline = time.GetUtcNow().AddSeconds(waitSeconds);
        using var signal = new WorkSignal(wakeups, poolName);
        var first = true;
        Guid? workerId = null;
        try
        {
            return await ClaimOrWaitAsync();
        }
#pragma warning disable CA1031 // Rethrown: only noted. A claim cut mid-transaction fails with the provider's own exception, not always a cancellation.
        catch (Exception) when (ct.IsCancellationRequested && workerId is { } id)
#pragma warning restore CA1031
        {
            // The peer aborted the poll (while it waited, or in a claim a wake-up started): the worker
            // may be gone (ConnectionLossWatcher).
            connections.PollAborted(id);
            throw;
        }

        async Task<PollAnswer> ClaimOrWaitAsync()
        {
            while (true)
            {
                signal.Reset();
                var (scope, attempt, outcome) = await ClaimInScopeAsync(claim, ct);
                var handedOver = false;
                try
                {
                    signal.Saw(outcome.Pool);
                    workerId = outcome.Worker.Id;
                    if (outcome.Claimed.Count > 0 && !(outcome.Draining && limit > 0))
                    {
                        var answer = await attempt.AnswerAsync(outcome, ct);
                        if (afterAnswer is null)
                        {
                            await attempt.PublishAsync(outcome, first, CancellationToken.None);
                        }
                        else
                        {
                            var wasFirst = first;
                            handedOver = true;
                            afterAnswer(async () =>
                            {
                                await using (scope)
                                {
                                    await attempt.PublishAsync(outcome, wasFirst, CancellationToken.None);
                                }
                            });
                        }

                        return new PollAnswer(answer, outcome.Pool.TemplateTag());
                    }

                    await attempt.PublishAsync(outcome, first, ct);
                }
                finally
                {
                    if (!handedOver)
                    {
                        await scope.DisposeAsync();
                    }
                }

                if (outcome.Draining && limit > 0)
                {
                    // Held like an empty poll, so a worker that does not know it drains does not poll in a tight loop.
                    await HoldAsync(deadline, ct);
                    return PollAnswer.Empty;
                }

                first = false;
                var now = time.GetUtcNow();
                var wait = deadline - now;
                if (wait <= TimeSpan.Zero || limit == 0)
                {
                    return PollAnswer.Empty;
                }

                if (outcome.NextDueAt is { } due)
                {
                    var untilDue = new DateTimeOffset(due, TimeSpan.Zero) - now;
                    wait = untilDue < wait ? untilDue : wait;
                }

                metrics.PollWaiting(poolName, +1);
                bool woken;
                try
                {
                    woken = await signal.WaitAsync(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, time, ct);
                }
                finally
                {
                    metrics.PollWaiting(poolName, -1);
                }

                if (!woken && time.GetUtcNow() >= deadline)
                {
                    // Nothing changed and the wait is over: the worker polls again at once, and that poll claims.
                    return PollAnswer.Empty;
                }
            }
        }
    }

    /// <summary>
    /// One claim in a scope of its own, which the caller disposes: a poll that waits (for work, or
    /// for its turn) holds no database context. When each waiting poll kept its pooled one, 1,000 of
    /// them held 20-28 MB more, and past the pool's 1,024 every other request made a context of its
    /// own. On PostgreSQL the turn at the <see cref="ClaimGate"/> is taken here, before the scope: a
    /// fleet of 10,000 kept about 10,000 polls waiting for it, each with a context and a scope of
    /// services. SQLite's claimer queues its polls itself (<see cref="ClaimCombiner"/>).
    /// </summary>
    private Task<(AsyncServiceScope Scope, PollAttempt Attempt, ClaimOutcome Outcome)> ClaimInScopeAsync(ClaimRequest claim, CancellationToken ct) =>
        gate.RunClaimAsync(async () =>
        {
            var scope = scopes.CreateAsyncScope();
            try
            {
                var attempt = scope.ServiceProvider.GetRequiredService<PollAttempt>();
                return (scope, attempt, await attempt.ClaimAsync(claim, ct));
            }
            catch
            {
                await scope.DisposeAsync();
                throw;
            }
        }, ct);

    private async Task HoldAsync(DateTimeOffset deadline, CancellationToken ct)
    {
        var wait = deadline - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, ct);
        }
    }

    /// <summary>Set when something that may make work claimable happens in the pool.</summary>
    /// <remarks>
    /// A pool or queue view changes for many reasons that make nothing claimable (a worker came
    /// online, another worker claimed): waking every waiting poll of the pool for those made each one
    /// claim again, and a fleet starting up claimed tens of thousands of times for nothing. Only a
    /// pause or a limit that differs from what the last claim read wakes it. A view that arrives before
    /// the claim has said what it read (while the poll waits for its turn at the gate, or claims) is
    /// kept and judged once it has: it woke the poll at once until then, and at 10,000 workers, whose
    /// arrivals change their pools' views many times a second, each poll came back from its claim to
    /// such a change and claimed again, about four claims for every poll.
    /// </remarks>
    private sealed class WorkSignal : IDisposable
    {
        private readonly IDisposable _registration;
        private readonly Lock _lock = new();
        private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Gates? _seen;

        // The pauses and limits the views that came while the claim ran said, the latest of each.
        private Gate? _poolSince;
        private readonly Dictionary<Guid, Gate> _queuesSince = [];

        /// <summary>Registered before the first claim, so a change while it runs is not missed.</summary>
        public WorkSignal(PollWakeups wakeups, string pool) => _registration = wakeups.Register(pool, OnChange);

        public void Reset()
        {
            lock (_lock)
            {
                _seen = null;
                _poolSince = null;
                _queuesSince.Clear();
                _tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        /// <summary>The pauses and limits the claim read; a view that came meanwhile and differs wakes the poll now.</summary>
        public void Saw(WorkPool pool)
        {
            var seen = new Gates(
                new Gate(pool.IsPaused, pool.ConcurrencyLimit),
                pool.Queues.ToDictionary(q => q.Id, q => new Gate(q.IsPaused, q.ConcurrencyLimit)));
            lock (_lock)
            {
                _seen = seen;
                if ((_poolSince is { } p && p != seen.Pool) || _queuesSince.Any(q => Differs(seen, q.Key, q.Value)))
                {
                    _tcs.TrySetResult();
                }
            }
        }

        /// <returns>True when woken by a change, false when the time ran out.</returns>
        public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
        {
            Task woken;
            lock (_lock)
            {
                woken = _tcs.Task;
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = Task.Delay(timeout, time, cts.Token);
            await Task.WhenAny(woken, delay);
            await cts.CancelAsync();
            ct.ThrowIfCancellationRequested();
            return woken.IsCompleted;
        }

        public void Dispose() => _registration.Dispose();

        private static bool Differs(Gates seen, Guid queue, Gate now) => !seen.Queues.TryGetValue(queue, out var gate) || gate != now;

        private sealed record Gates(Gate Pool, Dictionary<Guid, Gate> Queues);

        private readonly record struct Gate(bool Paused, int? Limit);

        /// <summary>A change of this poll's pool (<see cref="PollWakeups"/> routes only those).</summary>
        private void OnChange(ChangeEvent change)
        {
            lock (_lock)
            {
                var wakes = change switch
                {
                    // New, released or ended runs (an end frees a concurrency slot): whenever they come.
                    FlowRunChanged { FlowRun.State: not (FlowRunState.Pending or FlowRunState.Running or FlowRunState.Cancelling) } => true,
                    DeploymentChanged => true,
                    PoolChanged { Pool: var p } => Judge(new Gate(p.IsPaused, p.ConcurrencyLimit), null),
                    QueueChanged { Queue: var q } => Judge(new Gate(q.IsPaused, q.ConcurrencyLimit), q.Id),
                    _ => false,
                };
                if (wakes)
                {
                    _tcs.TrySetResult();
                }
            }
        }

        /// <summary>Against what the claim read; kept for <see cref="Saw"/> while it has not said. Under the lock.</summary>
        /// <param name="queue">The queue whose view it is; null for the pool's.</param>
        private bool Judge(Gate now, Guid? queue)
        {
            if (_seen is not { } seen)
            {
                if (queue is { } id)
                {
                    _queuesSince[id] = now;
                }
                else
                {
                    _poolSince = now;
                }

                return false;
            }

            return queue is { } q ? Differs(seen, q, now) : seen.Pool != now;
        }
    }
}

/// <summary>The runs a poll claimed, and the tag of the pool template the claim read (<see cref="WorkPool.TemplateTag"/>; null with no runs).</summary>
public sealed record PollAnswer(IReadOnlyList<FlowRunDto> Runs, string? PoolTemplateTag)
{
    public static readonly PollAnswer Empty = new([], null);
}

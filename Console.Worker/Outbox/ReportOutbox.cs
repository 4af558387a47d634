using System.Net;
using System.Threading.Channels;
using Console.Contracts;
using Console.Worker.Api;
using Console.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace Console.Worker.Outbox;

/// <summary>
/// At-least-once delivery of state reports and log batches. Each run's items go out strictly in
/// the order they were queued (Running, its logs, then its end), runs in parallel. While the server
/// is unreachable items wait in memory - and in the <see cref="OutboxJournal"/> when the worker has
/// a state directory, so a restarted worker still delivers them - and go out once it answers.
/// Repeated deliveries are harmless: the server's state transitions are idempotent.
/// </summary>
public sealed partial class ReportOutbox : IDisposable
{
    private const int MaxLinesPerPost = 1000;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly IConsoleApi _api;
    private readonly OutboxJournal? _journal;
    private readonly ILogger<ReportOutbox> _logger;
    private readonly WorkerMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, RunQueue> _runs = [];
    private readonly Dictionary<long, TaskCompletionSource<ReportOutcome>> _waiters = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _nextSeq = 1;

    public ReportOutbox(IConsoleApi api, ILogger<ReportOutbox> logger, OutboxJournal? journal = null, WorkerMetrics? metrics = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _api = api;
        _metrics = metrics;
        _logger = logger;
        _journal = journal;
        foreach (var item in journal?.Load() ?? [])
        {
            QueueOf(item.RunId).Items.AddLast(item);
            _nextSeq = Math.Max(_nextSeq, item.Seq + 1);
        }

        if (_runs.Count > 0)
        {
            var reloaded = _runs.Values.Sum(r => r.Items.Count);
            LogReloaded(_logger, reloaded, _runs.Count);
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>False after a delivery failed for a transient reason, until one succeeds again.</summary>
    public bool IsServerReachable { get; private set; } = true;

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _runs.Values.Sum(r => r.Items.Count);
            }
        }
    }

    /// <summary>Queues a state report; the task completes when the server has accepted or refused it.</summary>
    public Task<ReportOutcome> EnqueueState(Guid runId, SetStateRequest request)
    {
        var waiter = new TaskCompletionSource<ReportOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(runId, seq => new OutboxItem { Seq = seq, RunId = runId, State = request }, waiter);
        return waiter.Task;
    }

    public void EnqueueLogs(Guid runId, IReadOnlyList<NewLogLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count > 0)
        {
            Enqueue(runId, seq => new OutboxItem { Seq = seq, RunId = runId, Logs = [.. lines] }, null);
        }
    }

    /// <summary>Completes once everything queued so far for the run has left the outbox.</summary>
    public Task WhenDrainedAsync(Guid runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var queue) || queue.Items.Count == 0)
            {
                return Task.CompletedTask;
            }

            var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            queue.DrainWaiters.Add(drained);
            return drained.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The delivery loop; runs until the token is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (backoff > TimeSpan.Zero)
                {
                    await Task.Delay(backoff, _time, cancellationToken);
                }
                else
                {
                    await _wake.Reader.ReadAsync(cancellationToken);
                }

                var ok = await DeliverAllAsync(cancellationToken);
                backoff = ok ? TimeSpan.Zero : Next(backoff);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>Delivers what is queued now, as far as the server allows; false when something is left.</summary>
    public async Task<bool> DeliverAllAsync(CancellationToken cancellationToken)
    {
        Guid[] runs;
        lock (_gate)
        {
            runs = [.. _runs.Where(r => r.Value.Items.Count > 0).Select(r => r.Key)];
        }

        var results = await Task.WhenAll(runs.Select(run => DeliverRunAsync(run, cancellationToken)));
        var ok = results.All(r => r);
        if (ok && !IsServerReachable)
        {
            IsServerReachable = true;
            LogServerBack(_logger);
        }

        return ok;
    }

    public void Dispose() => _journal?.Dispose();

    private static TimeSpan Next(TimeSpan backoff) =>
        backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));

    private void Enqueue(Guid runId, Func<long, OutboxItem> create, TaskCompletionSource<ReportOutcome>? waiter)
    {
        lock (_gate)
        {
            var item = create(_nextSeq++);
            _journal?.Append(item);
            QueueOf(runId).Items.AddLast(item);
            if (waiter is not null)
            {
                _waiters[item.Seq] = waiter;
            }
        }

        _wake.Writer.TryWrite(true);
    }

    private RunQueue QueueOf(Guid runId)
    {
        if (!_runs.TryGetValue(runId, out var queue))
        {
            queue = new RunQueue();
            _runs[runId] = queue;
        }

        return queue;
    }

    private async Task<bool> DeliverRunAsync(Guid runId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var batch = NextBatch(runId);
            if (batch.Count == 0)
            {
                return true;
            }

            ReportOutcome outcome;
            try
            {
                if (batch[0].State is { } state)
                {
                    await _api.SetStateAsync(runId, state, cancellationToken);
                }
                else
                {
                    await _api.PostLogsAsync(runId, [.. batch.SelectMany(i => i.Logs!)], cancellationToken);
                }

                outcome = ReportOutcome.Delivered;
            }
            catch (ConsoleApiException ex) when (ex.IsConflict)
            {
                LogRefused(_logger, runId, batch[0].State?.State?.ToString() ?? "logs", ex.Message);
                outcome = ReportOutcome.Refused;
            }
            catch (ConsoleApiException ex) when (ex.IsNotFound)
            {
                LogRunGone(_logger, runId);
                DropRun(runId);
                return true;
            }
            catch (ConsoleApiException ex) when (ex.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.RequestEntityTooLarge)
            {
                LogRejected(_logger, ex, runId);
                outcome = ReportOutcome.Dropped;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (IsServerReachable)
                {
                    IsServerReachable = false;
                    LogServerAway(_logger, ex.Message);
                }

                _metrics?.ReportsKept(batch.Count);
                return false;
            }

            Complete(runId, batch, outcome);
        }
    }

    private List<OutboxItem> NextBatch(Guid runId)
    {
        lock (_gate)
        {
            var batch = new List<OutboxItem>();
            if (!_runs.TryGetValue(runId, out var queue) || queue.Items.First is not { } node)
            {
                return batch;
            }

            batch.Add(node.Value);
            if (node.Value.Logs is null)
            {
                return batch;
            }

            // Consecutive log batches queued while the server was away go out as one post.
            var lines = node.Value.Logs.Count;
            for (var next = node.Next; next?.Value.Logs is { } logs && lines + logs.Count <= MaxLinesPerPost; next = next.Next)
            {
                batch.Add(next.Value);
                lines += logs.Count;
            }

            return batch;
        }
    }

    private void Complete(Guid runId, List<OutboxItem> batch, ReportOutcome outcome)
    {
        var completed = new List<TaskCompletionSource<ReportOutcome>>();
        List<TaskCompletionSource>? drained = null;
        lock (_gate)
        {
            var queue = _runs[runId];
            foreach (var item in batch)
            {
                queue.Items.Remove(item);
                _journal?.Acknowledge(item.Seq);
                if (_waiters.Remove(item.Seq, out var waiter))
                {
                    completed.Add(waiter);
                }
            }

            if (queue.Items.Count == 0)
            {
                _runs.Remove(runId);
                drained = queue.DrainWaiters;
                if (_runs.Count == 0)
                {
                    _journal?.CompactIfEmpty();
                }
            }
        }

        completed.ForEach(w => w.TrySetResult(outcome));
        drained?.ForEach(d => d.TrySetResult());
    }

    private void DropRun(Guid runId)
    {
        List<OutboxItem> items;
        lock (_gate)
        {
            items = _runs.TryGetValue(runId, out var queue) ? [.. queue.Items] : [];
        }

        if (items.Count > 0)
        {
            Complete(runId, items, ReportOutcome.Dropped);
        }
    }

    private sealed class RunQueue
    {
        public LinkedList<OutboxItem> Items { get; } = new();

        public List<TaskCompletionSource> DrainWaiters { get; } = [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox: reloaded {Items} undelivered reports of {Runs} runs")]
    private static partial void LogReloaded(ILogger logger, int items, int runs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: the server is unreachable ({Reason}); reports are kept and retried")]
    private static partial void LogServerAway(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox: the server is reachable again; queued reports delivered")]
    private static partial void LogServerBack(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: the server refused {What} for run {RunId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, Guid runId, string what, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox: run {RunId} no longer exists; its queued reports are dropped")]
    private static partial void LogRunGone(ILogger logger, Guid runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox: the server rejected a report for run {RunId}; it is dropped")]
    private static partial void LogRejected(ILogger logger, Exception exception, Guid runId);
}

using Console.Contracts;
using Console.Worker.Infrastructure;
using Console.Worker.Outbox;

namespace Console.Worker.Runs;

/// <summary>
/// Batches a run's log lines into the outbox: a batch goes when it holds <c>batchLines</c> lines or
/// its oldest line is <c>flushInterval</c> old, so output shows up live without one post per line.
/// </summary>
public sealed class RunLogSink : ILogSink, IDisposable
{
    private readonly Guid _runId;
    private readonly ReportOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly int _batchLines;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private readonly int _attempt;
    private List<NewLogLine> _buffer = [];

    /// <param name="attempt">The run's attempt these lines belong to: the run page shows logs per attempt.</param>
    public RunLogSink(Guid runId, int attempt, ReportOutbox outbox, TimeProvider time, int batchLines, TimeSpan flushInterval)
    {
        _runId = runId;
        _attempt = attempt;
        _outbox = outbox;
        _time = time;
        _batchLines = batchLines;
        _timer = time.CreateTimer(_ => Flush(), null, flushInterval, flushInterval);
    }

    public void Write(string stream, string message, DateTime? timestamp = null, string level = "info")
    {
        bool full;
        lock (_gate)
        {
            _buffer.Add(new NewLogLine
            {
                // The server stores a line once per id: a batch resent after a lost answer adds nothing twice.
                Id = Guid.NewGuid().ToString("N"),
                Timestamp = timestamp ?? _time.GetUtcNow().UtcDateTime,
                Level = level,
                Stream = stream,
                Message = message,
                Attempt = _attempt,
            });
            full = _buffer.Count >= _batchLines;
        }

        if (full)
        {
            Flush();
        }
    }

    /// <summary>Hands what is buffered to the outbox now (before a state report, so logs stay first).</summary>
    public void Flush()
    {
        List<NewLogLine> batch;
        lock (_gate)
        {
            if (_buffer.Count == 0)
            {
                return;
            }

            batch = _buffer;
            _buffer = [];
            // Inside the lock: two flushes racing must not swap the order of their batches.
            _outbox.EnqueueLogs(_runId, batch);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }
}

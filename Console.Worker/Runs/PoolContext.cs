using System.Collections.Concurrent;
using System.Threading.Channels;
using Console.Contracts.WorkPools;
using Console.Worker.Infrastructure;

namespace Console.Worker.Runs;

/// <summary>What the worker knows about one pool it serves: its infrastructure, template, health and the runs it holds.</summary>
public sealed class PoolContext(string name)
{
    private bool _polling;
    private readonly Channel<bool> _slotFreed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public string Name { get; } = name;

    public IInfrastructure? Infrastructure { get; set; }

    public JobTemplate? Template { get; set; }

    /// <summary>The tag a poll's answer gave <see cref="Template"/> (null: none yet, fetch the pool before the next runs).</summary>
    public string? TemplateTag { get; set; }

    public InfrastructureHealth Health { get; set; } = new(false, "Starting.");

    /// <summary>Runs this worker supervises now, by id; each holds a concurrency slot until its end is delivered.</summary>
    public ConcurrentDictionary<Guid, Task> Active { get; } = new();

    public bool Recovered { get; set; }

    /// <summary>
    /// Runs a poll of this process was answered with, and when: their supervisor reports them, so
    /// recovery leaves them alone even when the server's list still shows them Pending or Running
    /// after they ended here (their last report may still be in the outbox).
    /// </summary>
    public ConcurrentDictionary<Guid, DateTimeOffset> Answered { get; } = new();

    /// <summary>
    /// True from a poll's request until its runs are launched: the server may list a run the poll
    /// claimed before the worker has read the answer that carries its pull steps and secrets.
    /// </summary>
    public bool Polling { get => Volatile.Read(ref _polling); set => Volatile.Write(ref _polling, value); }

    /// <summary>Pending runs of this worker the last recovery pass found unanswered while a poll was in flight.</summary>
    public IReadOnlySet<Guid> Unanswered { get; set; } = new HashSet<Guid>();

    /// <summary>When a poll of this pool last came back from the server (what <c>/health</c> watches).</summary>
    public DateTimeOffset? LastPolledAt { get; set; }

    public Task? Loop { get; set; }

    public void SignalSlotFreed() => _slotFreed.Writer.TryWrite(true);

    public ValueTask<bool> WaitForSlotAsync(CancellationToken cancellationToken) => _slotFreed.Reader.WaitToReadAsync(cancellationToken);

    public void ConsumeSlotSignal() => _slotFreed.Reader.TryRead(out _);
}

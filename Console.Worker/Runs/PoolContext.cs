using System.Collections.Concurrent;
using System.Threading.Channels;
using Console.Contracts.WorkPools;
using Console.Worker.Infrastructure;

namespace Console.Worker.Runs;

/// <summary>What the worker knows about one pool it serves: its infrastructure, template, health and the runs it holds.</summary>
public sealed class PoolContext(string name)
{
    private readonly Channel<bool> _slotFreed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public string Name { get; } = name;

    public IInfrastructure? Infrastructure { get; set; }

    public JobTemplate? Template { get; set; }

    public InfrastructureHealth Health { get; set; } = new(false, "Starting.");

    /// <summary>Runs this worker supervises now, by id; each holds a concurrency slot until its end is delivered.</summary>
    public ConcurrentDictionary<Guid, Task> Active { get; } = new();

    public bool Recovered { get; set; }

    /// <summary>When a poll of this pool last came back from the server (what <c>/health</c> watches).</summary>
    public DateTimeOffset? LastPolledAt { get; set; }

    public Task? Loop { get; set; }

    public void SignalSlotFreed() => _slotFreed.Writer.TryWrite(true);

    public ValueTask<bool> WaitForSlotAsync(CancellationToken cancellationToken) => _slotFreed.Reader.WaitToReadAsync(cancellationToken);

    public void ConsumeSlotSignal() => _slotFreed.Reader.TryRead(out _);
}

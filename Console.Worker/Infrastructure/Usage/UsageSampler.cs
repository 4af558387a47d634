using Console.Contracts.FlowRuns;

namespace Console.Worker.Infrastructure.Usage;

/// <summary>One reading of what a run's container or process tree has used so far; null where the source cannot tell.</summary>
public readonly record struct UsageSample(double? CpuSeconds, long? MemoryBytes);

/// <summary>
/// Reads a run's CPU time and memory while it runs and keeps the highest of each. Sampling, not a
/// read at exit: a container's cgroup and a process's /proc entry are gone by the time the worker
/// learns of the end, so what a run does in its last interval (at most one second) is not counted.
/// The first readings come quickly (0.1 s, then doubling up to 1 s) so a short run is still measured.
/// </summary>
public sealed class UsageSampler : IAsyncDisposable
{
    private static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a stop waits for a reading in flight; past it, what was read so far stands. Short:
    /// the run's end is reported after the stop, and the engine was seen to hold a stats request
    /// open about a second when its container exited under it (one run in ten took a second longer).
    /// </summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromMilliseconds(200);

    private readonly Func<CancellationToken, Task<UsageSample?>> _read;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private Task<FlowRunUsageDto?>? _stopped;
    private double? _cpu;
    private long? _memory;

    private UsageSampler(Func<CancellationToken, Task<UsageSample?>> read, TimeProvider time)
    {
        _read = read;
        _time = time;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Starts sampling. <paramref name="read"/> returns null once the source is gone for good (sampling stops).</summary>
    public static UsageSampler Start(Func<CancellationToken, Task<UsageSample?>> read, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(time);
        return new UsageSampler(read, time);
    }

    /// <summary>Stops sampling; what was measured, or null when no reading told anything.</summary>
    /// <remarks>Once: a handle stops it for the run's end and disposes it after, and the second must not wait again.</remarks>
    public Task<FlowRunUsageDto?> StopAsync() => _stopped ??= StopOnceAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_loop.IsCompleted)
        {
            _stop.Dispose(); // else the reading still in flight holds its token; the collector takes both
        }
    }

    private async Task<FlowRunUsageDto?> StopOnceAsync()
    {
        await _stop.CancelAsync();
        // A reading in flight is waited for only when nothing was read yet (a run shorter than its
        // first reading); else what was read stands and the run's end is reported at once. Never
        // longer than StopWait: an engine that holds a stats request open was seen to keep a worker
        // from stopping at all.
        if (Read() is null)
        {
            try
            {
                await _loop.WaitAsync(StopWait, _time);
            }
            catch (TimeoutException)
            {
                // nothing was read
            }
        }

        return Read();
    }

    private FlowRunUsageDto? Read()
    {
        lock (_gate)
        {
            return _cpu is null && _memory is null ? null : new FlowRunUsageDto { CpuSeconds = _cpu, PeakMemoryBytes = _memory };
        }
    }

    private async Task LoopAsync()
    {
        var interval = FirstInterval;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (await _read(_stop.Token) is not { } sample)
                {
                    return;
                }

                Keep(sample);
                await Task.Delay(interval, _time, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // a failed reading (an engine hiccup, a process gone mid-read) must never touch the run: the next one may succeed
            catch (Exception)
#pragma warning restore CA1031
            {
                try
                {
                    await Task.Delay(interval, _time, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            interval = interval * 2 < MaxInterval ? interval * 2 : MaxInterval;
        }
    }

    private void Keep(UsageSample sample)
    {
        lock (_gate)
        {
            // Counters only grow; a reading after the end (a stopped container reports zeros) never lowers them.
            if (sample.CpuSeconds is { } cpu && double.IsFinite(cpu) && cpu > 0 && (_cpu is null || cpu > _cpu))
            {
                _cpu = cpu;
            }

            if (sample.MemoryBytes is { } memory && memory > 0 && (_memory is null || memory > _memory))
            {
                _memory = memory;
            }
        }
    }
}

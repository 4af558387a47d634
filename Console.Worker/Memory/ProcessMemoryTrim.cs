namespace Console.Worker.Memory;

/// <summary>What <see cref="MemoryTrimmer"/> does at each pass (its own so the schedule can be tested without a collection).</summary>
public interface IMemoryTrim
{
    bool CanTrim { get; }

    void CollectManaged();

    void TrimNative();
}

/// <summary>
/// The process's own heaps. They are the process's, not a host's: where one process runs several
/// hosts (the test suite does), the compacting collection happens once in its life and the native
/// heap is trimmed at most once per <see cref="MinTrimGap"/>, however many trimmers ask.
/// </summary>
public sealed class ProcessMemoryTrim : IMemoryTrim
{
    public static readonly TimeSpan MinTrimGap = TimeSpan.FromSeconds(10);

    private static int _collected;
    private static long _lastTrimAt;

    public bool CanTrim => NativeHeap.CanTrim;

    // Aggressive: a blocking, compacting collection of every generation that also decommits the
    // free regions (the others keep them for the next allocations). Once, so its pause is paid once.
    public void CollectManaged()
    {
        if (Interlocked.Exchange(ref _collected, 1) == 0)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    public void TrimNative()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastTrimAt);
        if (last != 0 && now - last < (long)MinTrimGap.TotalMilliseconds)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastTrimAt, now, last) == last)
        {
            NativeHeap.Trim();
        }
    }
}

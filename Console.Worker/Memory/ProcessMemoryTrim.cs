namespace Console.Worker.Memory;

/// <summary>What <see cref="MemoryTrimmer"/> does at each pass (its own so the schedule can be tested without a collection).</summary>
public interface IMemoryTrim
{
    bool CanTrim { get; }

    void CollectManaged();

    void TrimNative();
}

/// <summary>The process's own heaps.</summary>
public sealed class ProcessMemoryTrim : IMemoryTrim
{
    public bool CanTrim => NativeHeap.CanTrim;

    // Aggressive: a blocking, compacting collection of every generation that also decommits the
    // free regions (the others keep them for the next allocations). Once, so its pause is paid once.
    public void CollectManaged() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    public void TrimNative() => NativeHeap.Trim();
}

using System.Runtime.InteropServices;
using Console.Testing;
using Console.Worker.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Worker;

/// <summary>An idle server or worker gives back the memory it no longer uses: once after start-up, then on a schedule.</summary>
public sealed class MemoryTrimmerTests
{
    [Fact]
    public async Task After_start_up_it_collects_once_then_trims_the_native_heap_every_interval()
    {
        var clock = new TimerCountingClock();
        var trim = new CountingTrim();
        using var trimmer = new MemoryTrimmer(Options.Create(new MemoryTrimOptions { IntervalSeconds = 30 }), clock, trim);
        await trimmer.StartAsync(CancellationToken.None);

        // The service starts on a thread of its own: the clock moves once it waits on it.
        await Wait.UntilAsync(() => clock.Timers == 1, "the wait for start-up's end");
        clock.Advance(MemoryTrimmer.FirstPass - TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.Equal((0, 0), (trim.Collections, trim.Trims));

        clock.Advance(TimeSpan.FromSeconds(1));
        await Wait.UntilAsync(() => trim.Trims == 1 && clock.Timers == 2, "the first pass");
        Assert.Equal(1, trim.Collections);

        for (var pass = 2; pass <= 4; pass++)
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            await Wait.UntilAsync(() => trim.Trims == pass, $"pass {pass}");
        }

        // The compacting collection pauses the process: start-up's garbage is collected once, not every pass.
        Assert.Equal(1, trim.Collections);
        await trimmer.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(30, false)]
    public async Task Off_by_setting_or_where_the_heap_cannot_be_trimmed_it_does_nothing(int intervalSeconds, bool canTrim)
    {
        var clock = new FakeTimeProvider();
        var trim = new CountingTrim { CanTrim = canTrim };
        using var trimmer = new MemoryTrimmer(Options.Create(new MemoryTrimOptions { IntervalSeconds = intervalSeconds }), clock, trim);
        await trimmer.StartAsync(CancellationToken.None);

        clock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(100);

        Assert.Equal((0, 0), (trim.Collections, trim.Trims));
        Assert.True(trimmer.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Fact]
    public void Freed_native_memory_leaves_the_process_when_the_heap_is_trimmed()
    {
        Assert.True(OperatingSystem.IsLinux(), "The native heap is trimmed on Linux (glibc) only; this test needs Linux.");
        Assert.True(NativeHeap.CanTrim, "glibc's malloc_trim is missing: the console's images and this machine are glibc-based.");

        // 128 MB in 1 KB blocks (the sizes the runtime and SQLite allocate), then one block after
        // them: freed, they lie below it, where free() alone never gives pages back.
        const int blocks = 128 * 1024;
        var allocated = new IntPtr[blocks];
        for (var i = 0; i < blocks; i++)
        {
            allocated[i] = Marshal.AllocHGlobal(1024);
        }

        var above = Marshal.AllocHGlobal(1024);
        try
        {
            foreach (var block in allocated)
            {
                Marshal.FreeHGlobal(block);
            }

            var before = Environment.WorkingSet;
            Assert.True(NativeHeap.Trim());
            var released = before - Environment.WorkingSet;

            Assert.True(released >= 64L << 20, $"Trimming gave back {released >> 20} MB of the 128 MB freed.");
        }
        finally
        {
            Marshal.FreeHGlobal(above);
        }
    }

    private sealed class TimerCountingClock : FakeTimeProvider
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            // Counted once armed: a clock moved before that would move the timer's start with it.
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            return timer;
        }
    }

    private sealed class CountingTrim : IMemoryTrim
    {
        private int _collections;
        private int _trims;

        public bool CanTrim { get; init; } = true;

        public int Collections => Volatile.Read(ref _collections);

        public int Trims => Volatile.Read(ref _trims);

        public void CollectManaged() => Interlocked.Increment(ref _collections);

        public void TrimNative() => Interlocked.Increment(ref _trims);
    }
}

using Console.Worker.Infrastructure.Usage;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Worker;

/// <summary>The usage sampler never holds up a run's end, whatever its source does.</summary>
public sealed class UsageSamplerTests
{
    [Fact]
    public async Task A_stop_with_readings_in_hand_does_not_wait_for_one_the_engine_holds_open()
    {
        var clock = new FakeTimeProvider();
        var (sampler, stuck) = StartStuckAfter(clock, new UsageSample(1.5, 4096));
        await AdvanceUntilAsync(clock, stuck);

        // As a run's handle does: stop for the run's end, then dispose at the end of its scope. The
        // clock stands still: neither may wait for the reading in flight.
        var usage = await sampler.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await sampler.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1.5, usage!.CpuSeconds);
        Assert.Equal(4096, usage.PeakMemoryBytes);
    }

    [Fact]
    public async Task A_run_ended_before_its_first_reading_waits_a_moment_for_it_once()
    {
        var clock = new FakeTimeProvider();
        var (sampler, stuck) = StartStuckAfter(clock, first: null);
        await AdvanceUntilAsync(clock, stuck);

        var stop = sampler.StopAsync();
        Assert.False(stop.IsCompleted); // waits for the first reading...
        clock.Advance(UsageSampler.StopWait); // ...a moment at most
        Assert.Null(await stop.WaitAsync(TimeSpan.FromSeconds(10)));
        // The dispose does not wait that moment again (the clock stands still now).
        await sampler.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A source that answers <paramref name="first"/> (none: nothing) and then holds every request open, ignoring the token as an engine may.</summary>
    private static (UsageSampler Sampler, Task Stuck) StartStuckAfter(FakeTimeProvider clock, UsageSample? first)
    {
        var reads = 0;
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sampler = UsageSampler.Start(_ =>
        {
            if (first is { } sample && Interlocked.Increment(ref reads) == 1)
            {
                return Task.FromResult<UsageSample?>(sample);
            }

            stuck.TrySetResult();
            return new TaskCompletionSource<UsageSample?>().Task;
        }, clock);
        return (sampler, stuck.Task);
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, Task stuck)
    {
        while (!stuck.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100)); // to the next reading
            await Task.WhenAny(stuck, Task.Delay(10));
        }
    }
}

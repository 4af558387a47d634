using Console.Worker.Infrastructure.Usage;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Worker;

/// <summary>The usage sampler never holds up a run's end, whatever its source does.</summary>
public sealed class UsageSamplerTests
{
    [Fact]
    public async Task A_reading_that_never_returns_holds_the_stop_a_moment_once_and_earlier_readings_stand()
    {
        var clock = new FakeTimeProvider();
        var reads = 0;
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sampler = UsageSampler.Start(_ =>
        {
            if (Interlocked.Increment(ref reads) == 1)
            {
                return Task.FromResult<UsageSample?>(new UsageSample(1.5, 4096));
            }

            // An engine holding the stats request open: the token is not honoured either.
            stuck.TrySetResult();
            return new TaskCompletionSource<UsageSample?>().Task;
        }, clock);
        while (!stuck.Task.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100)); // to the second reading
            await Task.WhenAny(stuck.Task, Task.Delay(10));
        }

        // As a run's handle does: stop for the run's end, then dispose at the end of its scope.
        var stop = sampler.StopAsync();
        Assert.False(stop.IsCompleted); // waits for the reading in flight...
        clock.Advance(UsageSampler.StopWait); // ...a moment at most
        var usage = await stop.WaitAsync(TimeSpan.FromSeconds(10));
        // The dispose does not wait that second again (the clock stands still now).
        await sampler.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1.5, usage!.CpuSeconds);
        Assert.Equal(4096, usage.PeakMemoryBytes);
    }
}

using System.Diagnostics;
using Console.Worker.Infrastructure.Usage;

namespace Console.Tests.Worker;

/// <summary>The usage sampler never holds up a run's end, whatever its source does.</summary>
public sealed class UsageSamplerTests
{
    [Fact]
    public async Task A_reading_that_never_returns_does_not_hold_the_stop_and_earlier_readings_stand()
    {
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
        }, TimeProvider.System);
        await stuck.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var watch = Stopwatch.StartNew();
        var usage = await sampler.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the stop took {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(1.5, usage!.CpuSeconds);
        Assert.Equal(4096, usage.PeakMemoryBytes);
        await sampler.DisposeAsync();
    }
}

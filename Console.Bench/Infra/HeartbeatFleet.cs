using System.Collections.Concurrent;
using Console.Testing;

namespace Console.Bench.Infra;

/// <summary>
/// Simulated workers that heartbeat every <c>interval</c> seconds at random phases (a fleet's
/// heartbeats are not synchronised), each heartbeat timed: B4's load, and B1's background load.
/// </summary>
internal sealed class HeartbeatFleet(HttpClient api, int workers, double intervalSeconds, Func<int, string> poolOf, int seed = 4, double? rampSeconds = null)
{
    private readonly double[] _offsets = OffsetsOf(workers, rampSeconds ?? intervalSeconds, seed);

    /// <summary>Each answered heartbeat: when it was sent (seconds since the fleet started) and how long it took.</summary>
    public ConcurrentBag<(double AtS, double Ms)> Beats { get; } = [];

    public ConcurrentBag<string> Errors { get; } = [];

    /// <summary>Heartbeats still unanswered when the fleet was stopped (their age in ms): counted, never silently dropped.</summary>
    public ConcurrentBag<double> Unanswered { get; } = [];

    public static string NameOf(int i) => $"sim-{i:D4}";

    /// <summary>When worker <paramref name="i"/> starts, in seconds after the fleet starts.</summary>
    public double OffsetOf(int i) => _offsets[i];

    /// <summary>One task per worker, heartbeating from <paramref name="t0"/> until <paramref name="seconds"/> later or <paramref name="end"/>.</summary>
    public IEnumerable<Task> Start(long t0, double seconds, CancellationToken end) =>
        Enumerable.Range(0, workers).Select(i => Task.Run(() => LoopAsync(i, t0, seconds, end), end));

    private async Task LoopAsync(int i, long t0, double seconds, CancellationToken end)
    {
        var pool = poolOf(i);
        var name = NameOf(i);
        for (var k = 0; ; k++)
        {
            var due = _offsets[i] + (k * intervalSeconds);
            if (due >= seconds)
            {
                return;
            }

            var wait = (due * 1000) - Clock.MsSince(t0);
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), end);
            }

            var sent = Clock.Now;
            try
            {
                await api.HeartbeatAsync(pool, name, (int)intervalSeconds, end);
                Beats.Add((Clock.Ms(t0, sent) / 1000, Clock.MsSince(sent)));
            }
            catch (OperationCanceledException) when (end.IsCancellationRequested)
            {
                Unanswered.Add(Clock.MsSince(sent));
                return;
            }
            catch (Exception ex)
            {
                Errors.Add($"heartbeat: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static double[] OffsetsOf(int workers, double spread, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, workers).Select(_ => random.NextDouble() * spread)];
    }
}

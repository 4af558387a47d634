using System.Threading.Channels;
using Console.Bench.Infra;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Testing;

namespace Console.Bench.Benchmarks;

/// <summary>
/// B1 dispatch latency: a run is created (start = now) -> the worker, waiting in a long-poll, holds
/// the claimed run. Client-side timestamps on one clock. Reference: Prefect's 10 s (+-30 %) poll
/// interval, simulated, and a worker short-polling every 1 s measured for real on the same server.
/// With <c>--heartbeats N</c>, N simulated workers of another pool heartbeat every 10 s meanwhile
/// (the goal holds "also while 1,000 workers heartbeat"); their heartbeat latency is reported too.
/// </summary>
internal sealed class B1Dispatch : IBenchmark
{
    public string Id => "b1";

    public string Title => "dispatch latency";

    public string Goal => "p50 <= 20 ms, p99 <= 100 ms";

    public async Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var result = new BenchResult(Id, Title, Goal);
        var runs = options.Int("runs", 1000, 100);
        var refRuns = options.Int("ref-runs", 60, 5);
        await using var server = await BenchServer.StartAsync(options, "b1");
        using var api = ConsoleApi.CreateHttpClient(server.Url);
        await api.CreatePoolAsync("b1", "process", ct: ct);
        await api.CreatePoolAsync("b1-ref", "process", ct: ct);
        var deployment = (await api.CreateDeploymentAsync("b1", "bench", "b1", command: "true", ct: ct)).Id;
        var refDeployment = (await api.CreateDeploymentAsync("b1-ref", "bench", "b1-ref", command: "true", ct: ct)).Id;
        var heartbeaters = options.Int("heartbeats", 0, 0);
        HeartbeatFleet? fleet = null;
        using var fleetEnd = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fleetTasks = new List<Task>();
        if (heartbeaters > 0)
        {
            await api.CreatePoolAsync("b1-fleet", "process", ct: ct);
            fleet = new HeartbeatFleet(api, heartbeaters, 10, _ => "b1-fleet");
            Out.Step($"{heartbeaters} simulated workers heartbeat every 10 s meanwhile (starting over the first 10 s)");
            fleetTasks.AddRange(fleet.Start(Clock.Now, double.MaxValue, fleetEnd.Token));
            // Every simulated worker has started (and registered) before the measurement.
            await Task.Delay(TimeSpan.FromSeconds(10.5), ct);
        }

        // The long-polling worker: limit 1, waitSeconds 30, re-polls as soon as it has its run.
        Out.Step($"long-poll worker; {runs} runs created one at a time (after a warm-up)");
        var longPoll = await MeasureAsync(api, "b1", deployment, runs, warmup: options.Quick ? 5 : 20, pollIntervalSeconds: null, ct);
        var stats = new Stats(longPoll.Select(s => s.LatencyMs));
        Out.Step($"long-poll: {stats.Describe()}");
        if (fleet is not null)
        {
            await fleetEnd.CancelAsync();
            try
            {
                await Task.WhenAll(fleetTasks);
            }
            catch (OperationCanceledException)
            {
            }

            var beats = new Stats(fleet.Beats.Where(b => b.AtS >= 10).Select(b => b.Ms));
            result.Notes.Add($"while {heartbeaters} workers heartbeat every 10 s: their heartbeats p50 {Out.Ms(beats.P50)}, p99 {Out.Ms(beats.P99)} (n={beats.Count}), errors {fleet.Errors.Count}");
            result.Metrics["heartbeaters"] = heartbeaters;
            result.Metrics["heartbeatP50Ms"] = beats.P50;
            result.Metrics["heartbeatP99Ms"] = beats.P99;
            result.Metrics["heartbeatErrors"] = fleet.Errors.Count;
        }

        // The measured reference: a worker that polls every 1 s without waiting (Prefect's model with a 10x shorter interval).
        Out.Step($"reference worker polling every 1 s: {refRuns} runs");
        var shortPoll = await MeasureAsync(api, "b1-ref", refDeployment, refRuns, warmup: 2, pollIntervalSeconds: 1.0, ct);
        var refStats = new Stats(shortPoll.Select(s => s.LatencyMs));
        Out.Step($"1 s polling: {refStats.Describe()}");

        // The Prefect model: a poll every 10 s +-30 % (uniform), a run created at a random moment.
        var prefect = new Stats(SimulatePolling(10_000, 0.3, 200_000));
        var createStats = new Stats(longPoll.Select(s => s.CreateMs));

        result.Figure = $"p50 {Out.Ms(stats.P50)}, p99 {Out.Ms(stats.P99)} (n={stats.Count}, max {Out.Ms(stats.Max)}){(heartbeaters > 0 ? $", while {heartbeaters} workers heartbeat" : "")}";
        result.Reference = $"Prefect model (10 s +-30 % poll, simulated): p50 {Out.Ms(prefect.P50)}, p99 {Out.Ms(prefect.P99)}; " +
                           $"measured 1 s polling worker: p50 {Out.Ms(refStats.P50)}, p99 {Out.Ms(refStats.P99)} (n={refStats.Count})";
        result.Comparison = $"p50 {prefect.P50 / stats.P50:F0}x faster than the Prefect model, {refStats.P50 / stats.P50:F0}x faster than 1 s polling";
        result.Metrics["p50Ms"] = stats.P50;
        result.Metrics["p90Ms"] = stats.P90;
        result.Metrics["p99Ms"] = stats.P99;
        result.Metrics["maxMs"] = stats.Max;
        result.Metrics["createRequestP50Ms"] = createStats.P50;
        result.Metrics["ref1sP50Ms"] = refStats.P50;
        result.Metrics["ref1sP99Ms"] = refStats.P99;
        result.Metrics["prefectModelP50Ms"] = prefect.P50;
        result.Metrics["prefectModelP99Ms"] = prefect.P99;
        result.Raw["longPollMs"] = longPoll.Select(s => Math.Round(s.LatencyMs, 3)).ToArray();
        result.Raw["createRequestMs"] = longPoll.Select(s => Math.Round(s.CreateMs, 3)).ToArray();
        result.Raw["shortPoll1sMs"] = shortPoll.Select(s => Math.Round(s.LatencyMs, 3)).ToArray();
        result.Notes.Add($"latency = from just before POST /runs is sent until the worker's poll response is read; the create request alone takes p50 {Out.Ms(createStats.P50)}");
        result.Judge(stats.P50 <= 20 && stats.P99 <= 100 && fleet?.Errors.IsEmpty != false, options.Quick);

        if (options.OutDir is { } dir)
        {
            Charts(dir, stats, refStats, prefect);
        }

        return result;
    }

    private sealed record Sample(double LatencyMs, double CreateMs);

    /// <summary>Creates runs one at a time; each is timed until the worker loop receives it.</summary>
    private static async Task<List<Sample>> MeasureAsync(HttpClient api, string pool, Guid deployment, int count, int warmup, double? pollIntervalSeconds, CancellationToken ct)
    {
        var received = Channel.CreateUnbounded<(Guid Id, long At)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var worker = Task.Run(() => WorkerLoopAsync(api, pool, pollIntervalSeconds, received.Writer, stop.Token), ct);
        var samples = new List<Sample>(count);
        try
        {
            // Let the worker's first poll reach the server.
            await Task.Delay(300, ct);
            for (var i = 0; i < count + warmup; i++)
            {
                var t0 = Clock.Now;
                var run = await api.CreateRunAsync(deployment, ct: ct);
                var t1 = Clock.Now;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(35));
                var (id, at) = await received.Reader.ReadAsync(timeout.Token);
                if (id != run.Id)
                {
                    throw new InvalidOperationException($"The worker received run {id}, expected {run.Id}");
                }

                if (i >= warmup)
                {
                    samples.Add(new Sample(Clock.Ms(t0, at), Clock.Ms(t0, t1)));
                }

                // What a worker does next (not timed): the run starts and ends, freeing the slot.
                await api.SetStateAsync(id, FlowRunState.Running, ct: ct);
                await api.SetStateAsync(id, FlowRunState.Completed, exitCode: 0, ct: ct);
                // Runs arrive at random moments, not in lockstep with the worker: for the polling
                // reference, a random phase of its interval; for the long-poll, a short random gap.
                var gapMs = pollIntervalSeconds is { } s ? (int)(s * 1000) : 20;
                await Task.Delay(Random.Shared.Next(0, gapMs), ct);
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await worker;
            }
            catch (OperationCanceledException)
            {
            }
        }

        return samples;
    }

    private static async Task WorkerLoopAsync(HttpClient api, string pool, double? intervalSeconds, ChannelWriter<(Guid, long)> received, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var started = Clock.Now;
            IReadOnlyList<FlowRunDto> claimed;
            try
            {
                claimed = intervalSeconds is null
                    ? await api.PollAsync(pool, "bench-worker", limit: 1, waitSeconds: 30, ct: ct)
                    : await api.PollAsync(pool, "bench-ref-worker", limit: 1, waitSeconds: 0, ct: ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var at = Clock.Now;
            foreach (var run in claimed)
            {
                received.TryWrite((run.Id, at));
            }

            if (intervalSeconds is { } interval)
            {
                // Prefect's loop: poll, then sleep the interval (measured from the poll's start).
                var rest = (interval * 1000) - Clock.MsSince(started);
                if (rest > 0)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(rest), ct);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Wait from a random moment to the next poll of a worker polling every interval*(1 +- jitter)
    /// (uniform): the residual life of a renewal process, sampled directly.
    /// </summary>
    internal static IEnumerable<double> SimulatePolling(double intervalMs, double jitter, int samples)
    {
        var random = new Random(20_261_129);
        var polls = new List<double> { 0 };
        var horizon = 0.0;
        while (polls.Count < samples * 2)
        {
            horizon += intervalMs * (1 - jitter + (2 * jitter * random.NextDouble()));
            polls.Add(horizon);
        }

        for (var i = 0; i < samples; i++)
        {
            var t = random.NextDouble() * polls[^2];
            var idx = polls.BinarySearch(t);
            var next = idx >= 0 ? polls[idx] : polls[~idx];
            yield return next - t;
        }
    }

    private static void Charts(string dir, Stats longPoll, Stats oneSecond, Stats prefect)
    {
        var cdf = new SvgChart
        {
            Title = "B1 dispatch latency: run created -> worker holds it (CDF, log scale)",
            XLabel = "latency",
            YLabel = "runs dispatched within (%)",
            LogX = true,
            XMin = 1,
            XMax = 20_000,
            YMin = 0,
            YMax = 100,
            XFormat = SvgChart.MsLabel,
            YFormat = v => SvgChart.Num(v) + " %",
        };
        cdf.Series.Add(new ChartSeries { Name = $"long-poll (measured, n={longPoll.Count})", Points = SvgChart.Cdf(longPoll.Sorted), Style = SeriesStyle.Step });
        cdf.Series.Add(new ChartSeries { Name = $"1 s polling (measured, n={oneSecond.Count})", Points = SvgChart.Cdf(oneSecond.Sorted), Style = SeriesStyle.Step });
        cdf.Series.Add(new ChartSeries { Name = "Prefect model: 10 s +-30 % (simulated)", Points = Thin(SvgChart.Cdf(prefect.Sorted), 400), Dashed = true });
        cdf.VerticalLines.Add((20, "goal p50 20 ms"));
        cdf.VerticalLines.Add((100, "goal p99 100 ms"));
        cdf.Save(Path.Combine(dir, "b1-dispatch-cdf.svg"));

        var max = Math.Ceiling(longPoll.Percentile(99.5) / 5) * 5;
        var bin = Math.Max(0.5, Math.Round(max / 40, 1));
        var hist = new SvgChart
        {
            Title = $"B1 dispatch latency with a long-polling worker (n={longPoll.Count}; last bar: >= {SvgChart.Num(max)} ms)",
            XLabel = "latency (ms)",
            YLabel = "runs",
            XMin = 0,
            XMax = max + bin,
            YMin = 0,
        };
        hist.Series.Add(new ChartSeries { Name = "runs per bin", Points = SvgChart.Histogram(longPoll.Sorted, bin, max), Style = SeriesStyle.Bars, BarWidth = bin });
        hist.VerticalLines.Add((longPoll.P50, $"p50 {Out.Ms(longPoll.P50)}"));
        hist.VerticalLines.Add((Math.Min(longPoll.P99, max), $"p99 {Out.Ms(longPoll.P99)}"));
        hist.Save(Path.Combine(dir, "b1-dispatch-histogram.svg"));
    }

    private static List<(double X, double Y)> Thin(List<(double X, double Y)> points, int keep)
    {
        var step = Math.Max(1, points.Count / keep);
        return [.. points.Where((_, i) => i % step == 0 || i == points.Count - 1)];
    }
}

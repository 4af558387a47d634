using System.Collections.Concurrent;
using Console.Bench.Infra;
using Console.Testing;

namespace Console.Bench.Benchmarks;

/// <summary>
/// B4 fleet load: N simulated workers (10 pools) each heartbeat every 10 s and keep a long-poll
/// (waitSeconds 30) open against one server, for a bounded window. Heartbeat latency percentiles,
/// errors of any kind, the server's CPU (from /proc/PID/stat) and RSS. Workers start at random
/// times within the first interval (a fleet's heartbeats are not synchronised), or within
/// <c>--ramp</c> seconds (a fleet rolled out over a minute: its new workers' first writes spread out);
/// the steady-state figure counts heartbeats sent once every worker has started. Over HTTP/1.1 each waiting long-poll
/// holds a connection of its own and the heartbeats a few more; 10,000 workers that way ran the load
/// generator out ("Out of memory.") under this machine's limit of 20,000 open files. Where two sockets
/// per worker would pass the limit, or with <c>--transport h2c</c>, the fleet is multiplexed over a
/// few cleartext HTTP/2 connections instead, and the figure says so.
/// </summary>
internal sealed class B4FleetLoad : IBenchmark
{
    private const int Pools = 10;

    public string Id => "b4";

    public string Title => "fleet load";

    public string Goal => "1,000 workers on SQLite: heartbeat p99 <= 25 ms; 10,000 on PostgreSQL: p99 <= 50 ms; no errors, server CPU reported";

    public async Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var result = new BenchResult(Id, Title, Goal);
        var workers = options.Int("workers", 1000, 200);
        var seconds = options.Double("seconds", 60, 15);
        var interval = options.Double("interval", 10, 10);
        var ramp = options.Double("ramp", interval, interval);
        // The goal: p99 25 ms on SQLite (1,000 workers), 50 ms on PostgreSQL (10,000 workers).
        var budget = BenchDatabase.IsPostgres(options) ? 50 : 25;
        var h2c = UseHttp2(options, workers);
        await using var server = await BenchServer.StartAsync(options, "b4", http2Endpoint: h2c);
        // --provider (or --database) postgres: the same fleet against a server on PostgreSQL (BenchServer makes its database).
        result.Notes.Add($"database: {BenchDatabase.Label(options)}");
        result.Notes.Add(h2c
            ? "transport: h2c, the fleet's requests multiplexed over cleartext HTTP/2 connections (sockets: below) instead of two connections per worker"
            : "transport: HTTP/1.1, a connection per waiting long-poll and a few for the heartbeats");
        using var admin = ConsoleApi.CreateHttpClient(server.Url);
        using var api = h2c ? Http2Client.Create(server.Http2Url!) : ConsoleApi.CreateHttpClient(server.Url);
        for (var p = 0; p < Pools; p++)
        {
            await admin.CreatePoolAsync($"fleet-{p}", "process", ct: ct);
        }

        var fleet = new HeartbeatFleet(api, workers, interval, i => $"fleet-{i % Pools}", rampSeconds: ramp);
        var polls = new ConcurrentBag<double>();
        var errors = fleet.Errors;
        using var end = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var beatsEnd = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var selfCpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var sampler = new ProcSampler(server.Pid, TimeSpan.FromSeconds(1));
        var t0 = Clock.Now;
        Out.Step($"{workers} simulated workers in {Pools} pools ({BenchDatabase.Label(options)}): heartbeat every {interval:F0} s + long-poll (30 s), for {seconds:F0} s");
        result.Notes.Add($"the workers' first heartbeats spread over the first {ramp:F0} s; steady = sent after that");

        async Task PollLoopAsync(int i)
        {
            var pool = $"fleet-{i % Pools}";
            var name = HeartbeatFleet.NameOf(i);
            await Task.Delay(TimeSpan.FromSeconds(fleet.OffsetOf(i)), end.Token);
            for (var k = 0; k < 10_000 && !end.IsCancellationRequested; k++)
            {
                var sent = Clock.Now;
                try
                {
                    var got = await api.PollAsync(pool, name, limit: 1, waitSeconds: 30, heartbeatIntervalSeconds: (int)interval, ct: end.Token);
                    polls.Add(Clock.MsSince(sent));
                    if (got.Count > 0)
                    {
                        errors.Add("poll: claimed a run where none exists");
                    }
                }
                catch (OperationCanceledException) when (end.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    errors.Add($"poll: {ex.GetType().Name}: {ex.Message}");
                    await Task.Delay(1000, end.Token);
                }
            }
        }

        var tasks = fleet.Start(t0, seconds, beatsEnd.Token)
            .Concat(Enumerable.Range(0, workers).Select(i => Task.Run(() => PollLoopAsync(i), end.Token)))
            .ToList();
        // The server's sockets once every worker has started: a connection count beside the load.
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(ramp + 2, seconds)), ct);
        var serverSockets = ProcStat.Sockets(server.Pid);
        // Where an overloaded fleet's requests queue in the server: its claim gate, once the ramp is
        // over and as the window closes.
        var gateAfterRamp = await admin.ClaimGateWaitingAsync(ct) ?? double.NaN;
        await Task.Delay(TimeSpan.FromSeconds(seconds - Math.Min(ramp + 2, seconds)), ct);
        var gateAtEnd = await admin.ClaimGateWaitingAsync(ct) ?? double.NaN;
        await end.CancelAsync();
        // No heartbeat is sent after the window; one sent just before it closed is given 5 s to be
        // answered: cut off by the window's end, it was not missed. One still open then is counted.
        beatsEnd.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException)
        {
        }

        await sampler.DisposeAsync();
        var wall = Clock.MsSince(t0) / 1000;
        var selfCpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - selfCpu0).TotalSeconds / wall * 100;

        var heartbeats = fleet.Beats.ToList();
        var unfinished = fleet.Unanswered;
        var all = new Stats(heartbeats.Select(h => h.Ms));
        var steady = new Stats(heartbeats.Where(h => h.AtS >= ramp).Select(h => h.Ms));
        var pollStats = new Stats(polls);
        var errorList = errors.ToList();
        var late = unfinished.Count;
        result.Figure = $"heartbeat p50 {Out.Ms(steady.P50)}, p99 {Out.Ms(steady.P99)} (steady, n={steady.Count}; with ramp-up p99 {Out.Ms(all.P99)}){(late > 0 ? $"; {late} heartbeats unanswered when the fleet stopped, 5 s after the window (oldest {Out.Ms(unfinished.Max())})" : "")}; errors {errorList.Count}; server CPU {sampler.AverageCpuPercent:F0} % of a core, RSS max {sampler.MaxRssMb:F0} MB";
        result.Reference = $"{workers} workers x 1 heartbeat / {interval:F0} s = {workers / interval:F0} heartbeats/s + {workers / 30.0:F0} long-polls/s over {(h2c ? "h2c" : "HTTP/1.1")} ({serverSockets} sockets open in the server); load generator CPU {selfCpu:F0} % of a core; machine busy {sampler.MachineBusyPercent:F0} % of all cores; waiting at the server's claim gate: {gateAfterRamp:F0} after the ramp, {gateAtEnd:F0} at the end";
        result.Comparison = $"heartbeat p99 {steady.P99 / budget:F1}x the {budget} ms budget ({BenchDatabase.Label(options)})";
        result.Metrics["heartbeatP50Ms"] = steady.P50;
        result.Metrics["heartbeatP99Ms"] = steady.P99;
        result.Metrics["heartbeatMaxMs"] = steady.Max;
        result.Metrics["heartbeatP99WithRampMs"] = all.P99;
        result.Metrics["heartbeats"] = all.Count;
        result.Metrics["errors"] = errorList.Count;
        result.Metrics["heartbeatsUnanswered"] = late;
        result.Metrics["serverCpuPercent"] = sampler.AverageCpuPercent;
        result.Metrics["serverCpuMaxPercent"] = sampler.Samples.Count > 0 ? sampler.Samples.Max(s => s.CpuPercent) : double.NaN;
        result.Metrics["serverRssMaxMb"] = sampler.MaxRssMb;
        result.Metrics["loadGeneratorCpuPercent"] = selfCpu;
        result.Metrics["machineBusyPercent"] = sampler.MachineBusyPercent;
        result.Metrics["pollsCompleted"] = pollStats.Count;
        result.Metrics["serverSockets"] = serverSockets;
        result.Metrics["claimGateWaitingAfterRamp"] = gateAfterRamp;
        result.Metrics["claimGateWaitingAtEnd"] = gateAtEnd;
        result.Raw["serverSamples"] = sampler.Samples.Select(s => new { s.AtS, s.CpuPercent, s.RssMb, s.MachinePercent }).ToList();
        result.Raw["errorsSample"] = errorList.Take(20).ToList();
        result.Raw["heartbeatBuckets"] = Buckets(heartbeats).Select(b => new { b.At, b.Stats.Count, b.Stats.P50, b.Stats.P99 }).ToList();
        // Group by what went wrong, not by the trace id each problem body carries.
        foreach (var e in errorList.GroupBy(e => e.Split("/api/", 2)[0] + (e.Contains(" 500 ", StringComparison.Ordinal) ? "500" : e.Split(':').Last()))
                     .OrderByDescending(g => g.Count()).Take(5))
        {
            result.Notes.Add($"{e.Count()} x {e.First()}");
        }

        foreach (var line in ServerErrors(server, 3))
        {
            result.Notes.Add($"server log: {line}");
        }

        result.Judge(steady.Count > 0 && steady.P99 <= budget && errorList.Count == 0 && late == 0, options.Quick);
        if (options.OutDir is { } dir)
        {
            Charts(dir, heartbeats, sampler, workers, ramp, budget);
        }

        return result;
    }

    /// <summary>
    /// --transport http1 | h2c | auto (default): auto picks h2c when two sockets per worker (with room to
    /// spare: the generator's own) would not fit under this process's open-files limit.
    /// </summary>
    private static bool UseHttp2(BenchOptions options, int workers) => (options.Get("transport") ?? "auto").ToLowerInvariant() switch
    {
        "http1" => false,
        "h2c" => true,
        "auto" => (2L * workers) + 1000 > ProcStat.OpenFilesLimit(),
        var other => throw new ArgumentException($"--transport is '{other}'; it must be http1, h2c or auto"),
    };

    /// <summary>The first lines of the server's error entries (what a 500 was).</summary>
    private static IEnumerable<string> ServerErrors(BenchServer server, int max)
    {
        string[] lines = [];
        if (File.Exists(server.LogPath))
        {
            using var stream = new FileStream(server.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            lines = reader.ReadToEnd().Split('\n');
        }

        var found = 0;
        for (var i = 0; i < lines.Length && found < max; i++)
        {
            if (lines[i].StartsWith("fail:", StringComparison.Ordinal) && i + 1 < lines.Length)
            {
                found++;
                yield return string.Join(" ", lines.Skip(i).Take(4).Select(l => l.Trim()));
            }
        }
    }

    /// <summary>The heartbeats by when they were sent, in 2 s buckets (the chart's points, and results.json's).</summary>
    private static List<(double At, Stats Stats)> Buckets(List<(double AtS, double Ms)> beats) =>
        [.. beats.GroupBy(b => Math.Floor(b.AtS / 2) * 2).OrderBy(g => g.Key).Select(g => (At: g.Key + 1, Stats: new Stats(g.Select(b => b.Ms))))];

    private static void Charts(string dir, List<(double AtS, double Ms)> beats, ProcSampler sampler, int workers, double ramp, int budget)
    {
        var buckets = Buckets(beats);
        var latency = new SvgChart
        {
            Title = $"B4 heartbeat latency under {workers} simulated workers (2 s buckets)",
            XLabel = "time since the fleet started (s)",
            YLabel = "heartbeat latency (ms)",
            XMin = 0,
            YMin = 0,
        };
        latency.Series.Add(new ChartSeries { Name = "p50", Points = [.. buckets.Select(b => (b.At, b.Stats.P50))], Markers = true });
        latency.Series.Add(new ChartSeries { Name = "p99", Points = [.. buckets.Select(b => (b.At, b.Stats.P99))], Markers = true });
        latency.HorizontalLines.Add((budget, $"goal p99 {budget} ms"));
        latency.VerticalLines.Add((ramp, "every worker started"));
        latency.Save(Path.Combine(dir, "b4-heartbeat-latency.svg"));

        var cpu = new SvgChart
        {
            Title = $"B4 server CPU and memory under {workers} simulated workers",
            XLabel = "time since the fleet started (s)",
            YLabel = "CPU (% of one core) / RSS (MB)",
            XMin = 0,
            YMin = 0,
        };
        cpu.Series.Add(new ChartSeries { Name = "server CPU (% of one core)", Points = [.. sampler.Samples.Select(s => (s.AtS, s.CpuPercent))] });
        cpu.Series.Add(new ChartSeries { Name = "server RSS (MB)", Points = [.. sampler.Samples.Select(s => (s.AtS, s.RssMb))] });
        cpu.Series.Add(new ChartSeries { Name = "whole machine busy (% of 2 cores)", Points = [.. sampler.Samples.Select(s => (s.AtS, s.MachinePercent))], Dashed = true });
        cpu.Save(Path.Combine(dir, "b4-server-cpu.svg"));
    }
}

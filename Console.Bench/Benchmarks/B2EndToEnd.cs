using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Console.Bench.Infra;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Console.Bench.Benchmarks;

/// <summary>
/// B2 end-to-end overhead: a deployment run on a docker pool, from POST /runs until the server
/// records Completed (the container ran and exited, its logs shipped), against `docker run --rm`
/// of the same image and command, alternating (A B, B A, ...) in the same run. Median ratio.
/// The end is seen as the console's own pages see it, on the live hub: `docker run --rm` is seen
/// the moment its process exits, and a GET every 10 ms added about 11 ms to every console run.
/// </summary>
internal sealed class B2EndToEnd : IBenchmark
{
    private const string Image = "console-test/busybox:latest";
    private const string Pool = "b2";
    private static readonly string[] Command = ["echo", "hello"];

    public string Id => "b2";

    public string Title => "end-to-end overhead";

    public string Goal => "median ratio <= 1.05 vs docker run --rm";

    public async Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var result = new BenchResult(Id, Title, Goal);
        var (code, output) = await Repo.RunAsync("docker", ["image", "inspect", "--format", "{{.Id}}", Image], TimeSpan.FromSeconds(30));
        if (code != 0)
        {
            result.Verdict = Verdict.Skipped;
            result.Figure = $"needs the Docker engine and the image {Image} (scripts/test.sh makes both): {output.Trim()}";
            return result;
        }

        var pairs = options.Int("pairs", 20, 2);
        await using var server = await BenchServer.StartAsync(options, "b2");
        using var api = ConsoleApi.CreateHttpClient(server.Url);
        await api.CreatePoolAsync(Pool, "docker", ct: ct);
        var deployment = (await api.CreateDeploymentAsync(Pool, "bench", "b2", new JsonObject { ["image"] = Image }, string.Join(' ', Command), ct: ct)).Id;
        var (worker, kind) = await BenchWorkers.StartAsync(options, server.Url, Pool, "b2-worker");
        await using var ends = await RunEnds.WatchAsync(server.Url, ct);
        await using (worker)
        {
            await BenchWorkers.WaitOnlineAsync(api, Pool, "b2-worker", worker, TimeSpan.FromSeconds(90), ct);
            Out.Step($"worker: {kind}; warm-up, then {pairs} alternating pairs");
            for (var i = 0; i < (options.Quick ? 1 : 2); i++)
            {
                await ConsoleRunAsync(api, ends, deployment, ct);
                await DockerRunAsync(ct);
            }

            var console = new List<double>();
            var docker = new List<double>();
            var ratios = new List<double>();
            var phases = new List<(double ToStart, double Running, double ToSeen)>();
            for (var i = 0; i < pairs; i++)
            {
                double c, d;
                (double, double, double) phase;
                if (i % 2 == 0)
                {
                    (c, phase) = await ConsoleRunAsync(api, ends, deployment, ct);
                    d = await DockerRunAsync(ct);
                }
                else
                {
                    d = await DockerRunAsync(ct);
                    (c, phase) = await ConsoleRunAsync(api, ends, deployment, ct);
                }

                console.Add(c);
                docker.Add(d);
                ratios.Add(c / d);
                phases.Add(phase);
                Out.Step($"pair {i + 1,2}: console {Out.Ms(c)}, docker run --rm {Out.Ms(d)}, ratio {c / d:F2}");
            }

            var cs = new Stats(console);
            var ds = new Stats(docker);
            var rs = new Stats(ratios);
            result.Figure = $"console run -> Completed: median {Out.Ms(cs.P50)} (p90 {Out.Ms(cs.P90)}, {pairs} runs)";
            result.Reference = $"docker run --rm {Image} {string.Join(' ', Command)}: median {Out.Ms(ds.P50)} (p90 {Out.Ms(ds.P90)})";
            result.Comparison = $"median of per-pair ratios {rs.P50:F2} (ratio of medians {cs.P50 / ds.P50:F2})";
            result.Metrics["consoleMedianMs"] = cs.P50;
            result.Metrics["dockerMedianMs"] = ds.P50;
            result.Metrics["medianRatio"] = rs.P50;
            result.Metrics["ratioOfMedians"] = cs.P50 / ds.P50;
            result.Metrics["createdToRunningMedianMs"] = Stats.Median(phases.Select(p => p.ToStart));
            result.Metrics["runningToEndedMedianMs"] = Stats.Median(phases.Select(p => p.Running));
            result.Metrics["endedToSeenMedianMs"] = Stats.Median(phases.Select(p => p.ToSeen));
            result.Raw["consoleMs"] = console;
            result.Raw["dockerMs"] = docker;
            result.Raw["phasesMs"] = phases.Select(p => new { createdToRunning = p.ToStart, runningToEnded = p.Running, endedToSeen = p.ToSeen }).ToList();
            result.Notes.Add($"worker program: {kind}");
            result.Notes.Add($"console run phases (server timestamps, medians): created -> Running {Out.Ms(result.Metrics["createdToRunningMedianMs"])} (claim + container create + start), Running -> Completed recorded {Out.Ms(result.Metrics["runningToEndedMedianMs"])} (wait, logs, report)");
            result.Judge(rs.P50 <= 1.05, options.Quick);
            if (options.OutDir is { } dir)
            {
                Chart(dir, console, docker);
            }
        }

        return result;
    }

    /// <summary>POST /runs, then the run's terminal change on the live hub; returns the wall time and its phases.</summary>
    private static async Task<(double Ms, (double, double, double) Phases)> ConsoleRunAsync(HttpClient api, RunEnds ends, Guid deployment, CancellationToken ct)
    {
        var t0 = Clock.Now;
        var run = await api.CreateRunAsync(deployment, ct: ct);
        FlowRunDto now;
        try
        {
            now = await ends.For(run.Id).WaitAsync(TimeSpan.FromSeconds(120), ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Run {run.Id} did not finish in 120 s (it is {(await api.GetRunAsync(run.Id, ct)).State})");
        }

        var ms = Clock.MsSince(t0);
        if (now.State != FlowRunState.Completed)
        {
            throw new InvalidOperationException($"Run {run.Id} ended {now.State}: {now.StateMessage}");
        }

        var toStart = (now.StartedAt!.Value - now.CreatedAt).TotalMilliseconds;
        var running = (now.EndedAt!.Value - now.StartedAt.Value).TotalMilliseconds;
        return (ms, (toStart, running, ms - (now.EndedAt.Value - now.CreatedAt).TotalMilliseconds));
    }

    /// <summary>The pool's runs as they end, from the live hub (what the console's pages are sent).</summary>
    private sealed class RunEnds : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource<FlowRunDto>> _ends = new();
        private HubConnection _connection = null!;

        public static async Task<RunEnds> WatchAsync(Uri server, CancellationToken ct)
        {
            var ends = new RunEnds();
            ends._connection = LiveHub.Connect(server);
            ends._connection.On<FlowRunDto>("FlowRunChanged", run =>
            {
                if (FlowRunStates.IsTerminal(run.State))
                {
                    ends.Slot(run.Id).TrySetResult(run);
                }
            });
            await ends._connection.StartAsync(ct);
            await ends._connection.InvokeAsync("JoinPool", Pool, ct);
            return ends;
        }

        public Task<FlowRunDto> For(Guid run) => Slot(run).Task;

        public ValueTask DisposeAsync() => _connection.DisposeAsync();

        private TaskCompletionSource<FlowRunDto> Slot(Guid run) =>
            _ends.GetOrAdd(run, _ => new TaskCompletionSource<FlowRunDto>(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private static async Task<double> DockerRunAsync(CancellationToken ct)
    {
        var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "run", "--rm", Image }.Concat(Command))
        {
            info.ArgumentList.Add(a);
        }

        var t0 = Clock.Now;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        var ms = Clock.MsSince(t0);
        if (process.ExitCode != 0 || !(await stdout).Contains("hello", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"docker run failed ({process.ExitCode}): {await stderr}");
        }

        return ms;
    }

    private static void Chart(string dir, List<double> console, List<double> docker)
    {
        var chart = new SvgChart
        {
            Title = "B2 end-to-end: console run -> Completed vs docker run --rm (alternating pairs)",
            XLabel = "pair",
            YLabel = "wall time (ms)",
            XMin = 0,
            XMax = console.Count + 1,
            YMin = 0,
        };
        chart.Series.Add(new ChartSeries { Name = "console: POST /runs -> Completed recorded", Points = [.. console.Select((v, i) => (i + 1.0, v))], Markers = true });
        chart.Series.Add(new ChartSeries { Name = "docker run --rm (same image, command)", Points = [.. docker.Select((v, i) => (i + 1.0, v))], Markers = true });
        chart.Save(Path.Combine(dir, "b2-end-to-end.svg"));
    }
}

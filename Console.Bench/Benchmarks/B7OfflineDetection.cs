using Console.Bench.Infra;
using Console.Contracts;
using Console.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Console.Bench.Benchmarks;

/// <summary>
/// B7 offline detection: a standalone worker with default settings is SIGKILLed at a random moment
/// of its heartbeat cycle; timed until the server shows it Offline, seen two ways: REST polled every
/// 1 s (the status is derived at read time) and the live hub's WorkerChanged event (what the UI gets).
/// Reference: Prefect's rule (3 missed 30 s heartbeats, checked every 15 s), computed.
/// </summary>
internal sealed class B7OfflineDetection : IBenchmark
{
    private const string Pool = "b7";

    public string Id => "b7";

    public string Title => "offline detection";

    public string Goal => "<= 45 s with defaults";

    public async Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var result = new BenchResult(Id, Title, Goal);
        var trials = options.Int("trials", 3, 1);
        // Quick mode shortens the heartbeat so the smoke test stays short; never the judged figure.
        int? heartbeat = options.Quick ? 2 : null;
        var interval = heartbeat ?? 10;
        await using var server = await BenchServer.StartAsync(options, "b7");
        using var api = ConsoleApi.CreateHttpClient(server.Url);
        await api.CreatePoolAsync(Pool, "process", ct: ct);

        var rest = new List<double>();
        var hub = new List<double>();
        var kind = "";
        for (var trial = 0; trial < trials; trial++)
        {
            var name = $"b7-worker-{trial}";
            var env = new Dictionary<string, string?>();
            if (heartbeat is { } hb)
            {
                env["Worker__HeartbeatIntervalSeconds"] = hb.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var (worker, k) = await BenchWorkers.StartAsync(options, server.Url, Pool, name, env);
            kind = k;
            await using (worker)
            {
                await BenchWorkers.WaitOnlineAsync(api, Pool, name, worker, TimeSpan.FromSeconds(90), ct);
                var hubSeen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                await using var connection = LiveHub.Connect(server.Url);
                connection.On<WorkerDto>("WorkerChanged", w =>
                {
                    if (w.Name == name && w.Status == WorkerStatus.Offline)
                    {
                        hubSeen.TrySetResult(Clock.Now);
                    }
                });
                await connection.StartAsync(ct);
                await connection.InvokeAsync("JoinPool", Pool, ct);

                // Kill at a random moment of the heartbeat cycle.
                await Task.Delay(TimeSpan.FromSeconds(interval * (1 + Random.Shared.NextDouble())), ct);
                var killedAt = Clock.Now;
                await worker.KillAsync();
                Out.Step($"trial {trial + 1}: worker killed (SIGKILL); polling GET /api/work-pools/{Pool}/workers every 1 s");

                double? restMs = null;
                var limitMs = ((interval * 6) + 60) * 1000.0;
                while (restMs is null && Clock.MsSince(killedAt) < limitMs)
                {
                    var workers = await api.WorkersAsync(Pool, ct);
                    if (workers.FirstOrDefault(w => w.Name == name) is { Status: WorkerStatus.Offline })
                    {
                        restMs = Clock.MsSince(killedAt);
                        break;
                    }

                    await Task.Delay(1000, ct);
                }

                var hubWait = await Task.WhenAny(hubSeen.Task, Task.Delay(TimeSpan.FromSeconds(15), ct));
                double? hubMs = hubWait == hubSeen.Task ? Clock.Ms(killedAt, await hubSeen.Task) : null;
                if (restMs is null)
                {
                    throw new TimeoutException($"The worker was not shown Offline within {limitMs / 1000:F0} s");
                }

                rest.Add(restMs.Value);
                if (hubMs is { } h)
                {
                    hub.Add(h);
                }

                Out.Step($"trial {trial + 1}: Offline after {restMs / 1000:F1} s (REST), {(hubMs is null ? "no hub event within 15 s" : $"{hubMs / 1000:F1} s (hub)")}");
            }
        }

        var restStats = new Stats(rest);
        var hubStats = new Stats(hub);
        // Prefect: Offline once the last heartbeat is older than 3 x 30 s, found by a check every 15 s.
        var prefect = new Stats(SimulatePrefect(10_000));
        result.Figure = $"REST: median {restStats.P50 / 1000:F1} s, max {restStats.Max / 1000:F1} s; hub (UI): median {hubStats.P50 / 1000:F1} s, max {hubStats.Max / 1000:F1} s ({trials} trials{(heartbeat is null ? ", default 10 s heartbeat" : $", QUICK: heartbeat {heartbeat} s, not the default")})";
        result.Reference = $"Prefect rule (3 x 30 s heartbeats, 15 s check), computed: median {prefect.P50 / 1000:F0} s, max {prefect.Max / 1000:F0} s";
        result.Comparison = $"{prefect.P50 / Math.Max(restStats.P50, hubStats.Count > 0 ? hubStats.P50 : 0):F1}x sooner (hub vs Prefect median)";
        result.Metrics["restMedianS"] = restStats.P50 / 1000;
        result.Metrics["restMaxS"] = restStats.Max / 1000;
        result.Metrics["hubMedianS"] = hubStats.P50 / 1000;
        result.Metrics["hubMaxS"] = hubStats.Max / 1000;
        result.Metrics["prefectMedianS"] = prefect.P50 / 1000;
        result.Raw["restMs"] = rest;
        result.Raw["hubMs"] = hub;
        result.Notes.Add($"worker program: {kind}");
        result.Notes.Add($"expected with defaults: Offline once the last heartbeat is older than 3 x {interval} s, i.e. {2 * interval}-{3 * interval} s after the kill; the hub event comes from the foreman job (every 5 s)");
        var worst = Math.Max(restStats.Max, hubStats.Count > 0 ? hubStats.Max : double.PositiveInfinity);
        result.Judge(worst <= 45_000, options.Quick || heartbeat is not null);
        return result;
    }

    private static IEnumerable<double> SimulatePrefect(int samples)
    {
        var random = new Random(7);
        for (var i = 0; i < samples; i++)
        {
            // Killed at a random phase after its last heartbeat; Offline once 90 s passed, seen at the next 15 s check.
            var sinceBeat = random.NextDouble() * 30_000;
            var due = 90_000 - sinceBeat;
            var checkPhase = random.NextDouble() * 15_000;
            var seen = checkPhase + (Math.Ceiling(Math.Max(0, due - checkPhase) / 15_000) * 15_000);
            yield return seen;
        }
    }
}

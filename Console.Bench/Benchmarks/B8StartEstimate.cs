using System.Collections.Concurrent;
using Console.Bench.Infra;
using Console.Contracts;
using Console.Contracts.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Testing;

namespace Console.Bench.Benchmarks;

/// <summary>
/// B8 start-estimate accuracy: a synthetic queue with limits and known runtimes. Two queues (one of
/// higher priority), a pool limit of 3, a deployment limit of 1 on the slowest deployment, and a
/// worker (over HTTP, the real poll) that runs each claimed run for its deployment's known runtime
/// (+-10 % noise). After a history of completed runs, a batch of runs is queued and each one's
/// diagnosis asked for <c>estimatedStartAt</c>; once they all ran, the predicted wait (estimate -
/// question) is compared with the real one (started - question).
/// </summary>
internal sealed class B8StartEstimate : IBenchmark
{
    private const string Pool = "b8";

    /// <summary>The deployments: name, queue, known runtime in seconds, deployment limit.</summary>
    private static readonly (string Name, string Queue, double Seconds, int? Limit)[] Deployments =
    [
        ("short", "high", 0.6, null), ("medium", "low", 1.2, null), ("long", "low", 2.0, 1),
    ];

    public string Id => "b8";

    public string Title => "start estimate accuracy";

    public string Goal => "median abs. error <= 20 % of the real wait";

    public async Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var result = new BenchResult(Id, Title, Goal);
        var history = options.Int("history", 5, 3);
        var queued = options.Int("runs", 40, 15);
        await using var server = await BenchServer.StartAsync(options, "b8");
        using var api = ConsoleApi.CreateHttpClient(server.Url);
        await api.CreatePoolAsync(Pool, "process", concurrencyLimit: 3, ct: ct);
        await api.SendAsync<WorkQueueDto>(HttpMethod.Post, $"/api/work-pools/{Pool}/queues", new CreateWorkQueueRequest { Name = "high", Priority = 1 }, System.Net.HttpStatusCode.Created, ct);
        await api.SendAsync<WorkQueueDto>(HttpMethod.Post, $"/api/work-pools/{Pool}/queues", new CreateWorkQueueRequest { Name = "low", Priority = 10 }, System.Net.HttpStatusCode.Created, ct);
        var runtimes = new Dictionary<Guid, double>();
        var deployments = new List<Guid>();
        foreach (var (name, queue, seconds, limit) in Deployments)
        {
            var d = await api.CreateDeploymentAsync(Pool, "b8", name, command: "true", queue: queue, concurrencyLimit: limit, ct: ct);
            deployments.Add(d.Id);
            runtimes[d.Id] = seconds;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var worker = Task.Run(() => WorkAsync(api, runtimes, stop.Token), CancellationToken.None);
        try
        {
            Out.Step($"history: {history} completed runs of each of {deployments.Count} deployments");
            var past = new List<FlowRunDto>();
            foreach (var d in deployments)
            {
                for (var i = 0; i < history; i++)
                {
                    past.Add(await api.CreateRunAsync(d, ct: ct));
                }
            }

            await AllEndedAsync(api, past, ct);

            var random = new Random(8);
            var runs = new List<FlowRunDto>();
            for (var i = 0; i < queued; i++)
            {
                runs.Add(await api.CreateRunAsync(deployments[random.Next(deployments.Count)], ct: ct));
            }

            Out.Step($"{queued} runs queued; asking each one's estimate");
            var asked = new List<(Guid Id, DateTime At, DateTime? Estimate, bool Waiting)>();
            foreach (var run in runs)
            {
                var at = DateTime.UtcNow;
                var diagnosis = await api.GetJsonAsync<DiagnosisDto>($"/api/flow-runs/{run.Id}/diagnosis", ct);
                // A run already claimed when its diagnosis was read has no estimate to give (EstimateReason null).
                asked.Add((run.Id, at, diagnosis.EstimatedStartAt, diagnosis.EstimateReason is not null));
            }

            var ended = await AllEndedAsync(api, runs, ct);
            var relative = new List<double>();
            var absolute = new List<double>();
            var waits = new List<double>();
            var unknown = 0;
            var gone = 0;
            foreach (var (id, at, estimate, waiting) in asked)
            {
                var started = ended[id].StartedAt;
                if (started is null || estimate is null)
                {
                    // No estimate while it waited (a defect of the estimate), or already claimed when asked.
                    unknown += waiting && estimate is null ? 1 : 0;
                    gone += waiting ? 0 : 1;
                    continue;
                }

                var real = (started.Value - at).TotalSeconds;
                // A run already starting as it was asked has no wait to be wrong about in proportion.
                if (real < 0.5)
                {
                    continue;
                }

                var error = Math.Abs((estimate.Value - started.Value).TotalSeconds);
                absolute.Add(error * 1000);
                waits.Add(real * 1000);
                relative.Add(error / real * 100);
            }

            var rel = new Stats(relative);
            var abs = new Stats(absolute);
            var wait = new Stats(waits);
            result.Figure = $"median abs. error {rel.P50:F1} % of the real wait, p90 {rel.P90:F1} % ({abs.P50 / 1000:F2} s / p90 {abs.P90 / 1000:F2} s; n={rel.Count} of {queued}, real waits median {wait.P50 / 1000:F1} s, max {wait.Max / 1000:F1} s)";
            result.Reference = "the real wait of the same runs, measured (question to Running)";
            result.Comparison = $"{unknown} waiting run(s) without an estimate; {gone} already claimed when asked";
            result.Metrics["medianErrorPercent"] = rel.P50;
            result.Metrics["p90ErrorPercent"] = rel.P90;
            result.Metrics["medianErrorS"] = abs.P50 / 1000;
            result.Metrics["p90ErrorS"] = abs.P90 / 1000;
            result.Metrics["medianRealWaitS"] = wait.P50 / 1000;
            result.Metrics["n"] = rel.Count;
            result.Raw["errorPercent"] = relative;
            result.Notes.Add($"pool limit 3; queues high (priority 1) and low (10); deployments {string.Join(", ", Deployments.Select(d => $"{d.Name} {d.Seconds} s in {d.Queue}{(d.Limit is { } l ? $", limit {l}" : "")}"))}; runtimes +-10 % noise; {history} history runs each");
            if (rel.Count == 0)
            {
                throw new InvalidOperationException("No queued run waited long enough to compare: nothing measured.");
            }

            result.Judge(rel.P50 <= 20, options.Quick);
            return result;
        }
        finally
        {
            await stop.CancelAsync();
            await worker.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>The worker: long-polls for what the free capacity allows, runs each claimed run for its known runtime.</summary>
    private static async Task WorkAsync(HttpClient api, Dictionary<Guid, double> runtimes, CancellationToken ct)
    {
        var running = new ConcurrentDictionary<Guid, Task>();
        var random = new Random(80);
        while (!ct.IsCancellationRequested)
        {
            var claimed = await api.PollAsync(Pool, "b8-worker", limit: Math.Max(0, 10 - running.Count), waitSeconds: 5, ct: ct);
            foreach (var run in claimed)
            {
                var seconds = runtimes[run.DeploymentId!.Value] * (0.9 + (0.2 * random.NextDouble()));
                running[run.Id] = Task.Run(async () =>
                {
                    await api.SetStateAsync(run.Id, FlowRunState.Running, ct: ct);
                    await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
                    await api.SetStateAsync(run.Id, FlowRunState.Completed, exitCode: 0, ct: ct);
                    running.TryRemove(run.Id, out _);
                }, ct);
            }
        }
    }

    private static async Task<Dictionary<Guid, FlowRunDto>> AllEndedAsync(HttpClient api, List<FlowRunDto> runs, CancellationToken ct)
    {
        var ended = new Dictionary<Guid, FlowRunDto>();
        foreach (var run in runs)
        {
            ended[run.Id] = await api.WaitForStateAsync(run.Id, s => s.IsTerminal(), "the run to end", 300);
        }

        return ended;
    }
}

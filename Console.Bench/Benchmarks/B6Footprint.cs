using Console.Bench.Infra;
using Console.Testing;

namespace Console.Bench.Benchmarks;

/// <summary>
/// B6 footprint: resident memory of the server right after start and after an idle period, and of
/// a standalone worker (connected, polling, idle). For scale, the same runtime's floor: an empty
/// .NET generic host measured the same way. The worker is the CLI installed as users install it
/// (`--worker tool`, unless --worker says otherwise): a Release package with its own runtime settings.
/// The server is measured two ways, side by side over the same idle period: published for a host as
/// docs/deploy.md does it (scripts/publish-console.sh: self-contained, trimmed; the goal's figure),
/// and as the built Console.Web.dll the container image runs (framework-dependent).
/// </summary>
internal sealed class B6Footprint : IBenchmark
{
    public string Id => "b6";

    public string Title => "footprint";

    public string Goal => "server <= 150 MB, worker <= 60 MB";

    public async Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var result = new BenchResult(Id, Title, Goal);
        var idle = TimeSpan.FromSeconds(options.Double("idle", 60, 3));

        var published = await PublishedConsole.AppHostAsync(options);
        await using var server = await BenchServer.StartAsync(options, "b6", appHost: published);
        var serverStart = ProcStat.RssMb(server.Pid);
        using var api = ConsoleApi.CreateHttpClient(server.Url);
        await api.CreatePoolAsync("b6", "process", ct: ct);
        double builtStart, builtIdle, serverIdle;
        var sampler = new ProcSampler(server.Pid, TimeSpan.FromSeconds(1));
        await using (var built = await BenchServer.StartAsync(options, "b6-dll"))
        {
            builtStart = ProcStat.RssMb(built.Pid);
            Out.Step($"server RSS after start: published {serverStart:F0} MB, Console.Web.dll {builtStart:F0} MB; idle {idle.TotalSeconds:F0} s");
            await Task.Delay(idle, ct);
            await sampler.DisposeAsync();
            serverIdle = ProcStat.RssMb(server.Pid);
            builtIdle = ProcStat.RssMb(built.Pid);
        }

        Out.Step($"server RSS after idle: published {serverIdle:F0} MB (max {sampler.MaxRssMb:F0} MB), Console.Web.dll {builtIdle:F0} MB");

        var (worker, kind) = await BenchWorkers.StartAsync(
            options.WorkerMode == "auto" ? options.With("worker", "tool") : options, server.Url, "b6", "b6-worker");
        double workerStart, workerIdle, workerMax;
        await using (worker)
        {
            await BenchWorkers.WaitOnlineAsync(api, "b6", "b6-worker", worker, TimeSpan.FromSeconds(90), ct);
            workerStart = ProcStat.RssMb(worker.Id);
            var ws = new ProcSampler(worker.Id, TimeSpan.FromSeconds(1));
            await Task.Delay(idle, ct);
            await ws.DisposeAsync();
            workerIdle = ProcStat.RssMb(worker.Id);
            workerMax = Math.Max(ws.MaxRssMb, workerIdle);
            Out.Step($"worker ({kind}) RSS online: {workerStart:F0} MB, after idle: {workerIdle:F0} MB");
        }

        // The floor: the same runtime and generic host with nothing in it.
        var (floor, _) = await BenchWorkers.StartAsync(
            options.With("worker", "host"), server.Url, "b6", "b6-floor",
            new Dictionary<string, string?> { ["BENCH_EMPTY_HOST"] = "1" });
        double floorRss;
        await using (floor)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, idle.TotalSeconds)), ct);
            floorRss = ProcStat.RssMb(floor.Id);
        }

        result.Figure = $"server {serverIdle:F0} MB after {idle.TotalSeconds:F0} s idle ({serverStart:F0} MB at start; Console.Web.dll as the image runs it: {builtIdle:F0} MB); worker {workerIdle:F0} MB ({kind})";
        result.Reference = $"floor: an empty .NET generic host on the same runtime {floorRss:F0} MB";
        result.Comparison = $"server {serverIdle / 150:P0} of its 150 MB budget, worker {workerIdle / 60:P0} of its 60 MB";
        result.Metrics["serverStartMb"] = serverStart;
        result.Metrics["serverIdleMb"] = serverIdle;
        result.Metrics["serverMaxMb"] = Math.Max(sampler.MaxRssMb, serverIdle);
        result.Metrics["serverDllStartMb"] = builtStart;
        result.Metrics["serverDllIdleMb"] = builtIdle;
        result.Metrics["workerStartMb"] = workerStart;
        result.Metrics["workerIdleMb"] = workerIdle;
        result.Metrics["workerMaxMb"] = workerMax;
        result.Metrics["emptyHostMb"] = floorRss;
        result.Notes.Add($"worker program: {kind}");
        result.Notes.Add("server: published by scripts/publish-console.sh (self-contained, framework trimmed, ADR 0011) and started as ./Console.Web; beside it Console.Web.dll (framework-dependent, as the container image runs it); both in Production with the product's defaults (workstation GC, no dynamic PGO, ADR 0010; Hangfire server jobs on)");
        result.Judge(serverIdle <= 150 && workerIdle <= 60, options.Quick);
        return result;
    }
}

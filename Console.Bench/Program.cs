using System.Globalization;
using System.Text;
using System.Text.Json;
using Console.Bench.Benchmarks;
using Console.Bench.Infra;

namespace Console.Bench;

/// <summary>
/// Console.Bench: one command per benchmark of docs/benchmarks.md (b1..b8), `all`, `summarize`, and
/// `worker-host` (the worker library in a process of its own, for B2/B6/B7 when the CLI is not built).
/// </summary>
internal static class BenchProgram
{
    private static readonly IBenchmark[] Benchmarks =
    [
        new B1Dispatch(), new B2EndToEnd(), new B3ClaimThroughput(), new B4FleetLoad(),
        new B5UiLiveness(), new B6Footprint(), new B7OfflineDetection(), new B8StartEstimate(),
    ];

    public static async Task<int> Main(string[] args)
    {
        // Help anywhere on the line (`b4 --help` too), before the options are read as name-value pairs.
        if (args.Length == 0 || args[0] is "help" || args.Any(a => a is "-h" or "--help"))
        {
            PrintHelp();
            return args.Length == 0 ? 2 : 0;
        }

        _ = Clock.SinceStart; // the harness's time zero for progress lines
        var command = args[0].ToLowerInvariant();
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args.Skip(1));
        }
        catch (ArgumentException ex)
        {
            Out.Error(ex.Message);
            return 2;
        }

        using var cts = new CancellationTokenSource();
        System.Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        try
        {
            switch (command)
            {
                case "worker-host":
                    return await WorkerHost.RunAsync(cts.Token);
                case "summarize":
                    return Summarize.Run(options);
                case "all":
                    return await RunAsync(Order(Benchmarks), options, cts.Token);
                default:
                    var one = Benchmarks.FirstOrDefault(b => b.Id.Equals(command, StringComparison.OrdinalIgnoreCase));
                    if (one is null)
                    {
                        Out.Error($"Unknown command '{args[0]}'.");
                        PrintHelp();
                        return 2;
                    }

                    return await RunAsync([one], options, cts.Token);
            }
        }
        finally
        {
            if (!options.Keep && Directory.Exists(options.WorkFolder))
            {
                try
                {
                    Directory.Delete(options.WorkFolder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>B6 first (an untouched machine), B5 last (it needs the most from others' work).</summary>
    private static IEnumerable<IBenchmark> Order(IEnumerable<IBenchmark> all) =>
        all.OrderBy(b => b.Id switch { "b6" => 0, "b1" => 1, "b3" => 2, "b4" => 3, "b7" => 4, "b2" => 5, _ => 6 });

    /// <summary>The arguments as given, paths in the repository relative to it: results are committed, and name no folder of the machine that made them.</summary>
    private static string Command() =>
        "Console.Bench " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1))
            .Replace(Repo.Root + Path.DirectorySeparatorChar, "", StringComparison.Ordinal);

    private static async Task<int> RunAsync(IEnumerable<IBenchmark> benchmarks, BenchOptions options, CancellationToken ct)
    {
        Directory.CreateDirectory(options.WorkFolder);
        var started = Clock.Now;
        Out.Line($"Console.Bench {(options.Quick ? "(quick: a smoke test, figures are not judged)" : "")}");
        Out.Line($"machine: {Environment.ProcessorCount} cores, {MemoryGb():F1} GB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        Out.Line($"server: {Repo.WebDll(options.ServerDll)}{(options.Get("server-env") is { } se ? $" with {se}" : "")}");
        Out.Line($"load before start: {LoadAverage()}");
        var results = new List<BenchResult>();
        foreach (var bench in benchmarks)
        {
            ct.ThrowIfCancellationRequested();
            Out.Line();
            Out.Line($"== {bench.Id.ToUpperInvariant()} {bench.Title} ==");
            var t0 = Clock.Now;
            var loadBefore = LoadAverage();
            BenchResult result;
            try
            {
                result = await bench.RunAsync(options, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                result = new BenchResult(bench.Id, bench.Title, bench.Goal) { Verdict = Verdict.Error, Figure = ex.Message };
                result.Notes.Add(ex.ToString());
                Out.Error($"  {bench.Id} failed: {ex}");
            }

            result.Seconds = Clock.MsSince(t0) / 1000;
            // The machine is shared: the 1-minute load average before and after says how much.
            result.Metrics["loadAverageBefore"] = double.Parse(loadBefore.Split(' ')[0], CultureInfo.InvariantCulture);
            result.Metrics["loadAverageAfter"] = double.Parse(LoadAverage().Split(' ')[0], CultureInfo.InvariantCulture);
            result.Notes.Add($"load average (1/5/15 min) before {string.Join(' ', loadBefore.Split(' ').Take(3))}, after {string.Join(' ', LoadAverage().Split(' ').Take(3))} on {Environment.ProcessorCount} cores");
            results.Add(result);
            PrintResult(result);
        }

        var total = Clock.MsSince(started) / 1000;
        Out.Line();
        Out.Line(SummaryTable(results, markdown: false));
        Out.Line($"total {total:F0} s; load after: {LoadAverage()}");
        if (options.OutDir is { } dir)
        {
            Directory.CreateDirectory(dir);
            var doc = new
            {
                startedAt = DateTime.UtcNow.AddSeconds(-total),
                quick = options.Quick,
                machine = new { cores = Environment.ProcessorCount, memoryGb = MemoryGb(), os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, dotnet = Environment.Version.ToString() },
                command = Command(),
                totalSeconds = total,
                results,
            };
            var path = Path.Combine(dir, "results.json");
            // Merge: running one benchmark into a folder keeps the others' results there.
            var merged = MergeResults(path, JsonSerializer.SerializeToNode(doc, BenchResult.Json)!);
            await File.WriteAllTextAsync(path, merged, ct);
            await File.WriteAllTextAsync(Path.Combine(dir, "summary.md"), SummaryTable(results, markdown: true), ct);
            Out.Line($"results: {path}");
        }

        // A benchmark skipped for a missing prerequisite (Docker, Chromium) measured nothing: a failure too.
        var failed = results.Count(r => r.Verdict is Verdict.Error or Verdict.Skipped);
        Out.Line($"{results.Count - failed} benchmarks ran, {failed} failed or skipped");
        return failed == 0 ? 0 : 1;
    }

    private static string MergeResults(string path, System.Text.Json.Nodes.JsonNode fresh)
    {
        if (!File.Exists(path))
        {
            return fresh.ToJsonString(BenchResult.Json);
        }

        var old = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        var freshResults = fresh["results"]!.AsArray();
        var ids = freshResults.Select(r => r!["id"]!.GetValue<string>()).ToHashSet();
        foreach (var r in old["results"]!.AsArray().Where(r => !ids.Contains(r!["id"]!.GetValue<string>())))
        {
            freshResults.Add(r!.DeepClone());
        }

        var ordered = freshResults.OrderBy(r => r!["id"]!.GetValue<string>(), StringComparer.Ordinal).Select(r => r!.DeepClone()).ToList();
        freshResults.Clear();
        foreach (var r in ordered)
        {
            freshResults.Add(r);
        }

        return fresh.ToJsonString(BenchResult.Json);
    }

    private static void PrintResult(BenchResult r)
    {
        Out.Line($"  {r.Id}: {r.Figure}");
        if (r.Reference.Length > 0)
        {
            Out.Line($"  reference: {r.Reference}");
        }

        if (r.Comparison.Length > 0)
        {
            Out.Line($"  comparison: {r.Comparison}");
        }

        Out.Line($"  goal: {r.Goal} -> {VerdictText(r.Verdict)} ({r.Seconds:F0} s)");
        foreach (var note in r.Notes.Where(n => !n.Contains('\n', StringComparison.Ordinal)))
        {
            Out.Line($"  note: {note}");
        }
    }

    public static string VerdictText(Verdict v) => v switch
    {
        Verdict.Met => "MET",
        Verdict.NotMet => "NOT MET",
        Verdict.Smoke => "ran (quick: not judged)",
        Verdict.Skipped => "SKIPPED",
        _ => "ERROR",
    };

    public static string SummaryTable(IEnumerable<BenchResult> results, bool markdown)
    {
        var sb = new StringBuilder();
        if (markdown)
        {
            sb.AppendLine("| id | what | figure | reference (same run) | comparison | goal | verdict |");
            sb.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var r in results)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Id.ToUpperInvariant()} | {r.Title} | {r.Figure} | {r.Reference} | {r.Comparison} | {r.Goal} | {VerdictText(r.Verdict)} |");
            }
        }
        else
        {
            sb.AppendLine("summary");
            foreach (var r in results)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {r.Id.ToUpperInvariant(),-3} {VerdictText(r.Verdict),-24} {r.Figure}");
                if (r.Comparison.Length > 0)
                {
                    sb.AppendLine(CultureInfo.InvariantCulture, $"      vs reference: {r.Comparison}   (goal: {r.Goal})");
                }
            }
        }

        return sb.ToString().TrimEnd();
    }

    private static double MemoryGb()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
    }

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    private static void PrintHelp()
    {
        Out.Line("""
            Console.Bench: the benchmarks of docs/benchmarks.md, each measured side by side with its reference.

              dotnet run --project Console.Bench -c Release -- <command> [options]

            commands:
              b1 .. b8          one benchmark (see docs/benchmarks.md)
              all               every benchmark, then a summary table
              summarize DIR...  medians across several runs' results.json
              worker-host       (internal) the worker library in its own process, configured by Worker__* env

            options:
              --quick           small counts and short windows: a smoke test (< 3 min for `all`), figures not judged
              --out DIR         write results.json, summary.md and the SVG charts to DIR
              --server-dll P    the Console.Web.dll to start (default: Console.Web/bin/<config>/net10.0)
              --worker M        worker program for B2/B6/B7: cli | tool | host | auto (default: B6 tool, the CLI packed
                                and installed as users do; else cli when cx.dll has `worker start`)
              --worker-env "K=V;K2=V2"  extra environment for the worker (experiments: DOTNET_* runtime knobs)
              --keep            keep the temporary databases and child logs
              --server-env "K=V;K2=V2"  extra environment for the server (experiments; printed with the results)
              --database D      sqlite (default) | postgres: the servers' database (b3's raw loop follows it; b4 and the others just run on it); --provider D is the same
              --postgres CS     with --database postgres: a server where databases may be created (default: CONSOLE_TEST_POSTGRES)
              per benchmark: --runs N (b1), --ref-runs N (b1), --heartbeats N (b1: N workers heartbeat meanwhile), --pairs N (b2), --claim-runs N --claimers N --sweep 1,5,10 --limit N --limits 1,100 --rounds N --rest-runs N (b3),
                             --workers N --seconds S --ramp S --transport http1|h2c|auto (b4: --ramp spreads the workers' starts over S seconds, default one heartbeat interval), --samples N (b5), --idle S (b6), --trials N (b7), --history N --runs N (b8)
            """);
    }
}

internal interface IBenchmark
{
    string Id { get; }

    string Title { get; }

    string Goal { get; }

    Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct);
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Console.Bench.Infra;

namespace Console.Bench;

/// <summary>
/// `summarize DIR...`: reads several runs' results.json and prints, per benchmark and metric, the
/// median with the min-max spread (the machine is shared: one run proves little).
/// </summary>
internal static class Summarize
{
    public static int Run(BenchOptions options)
    {
        var files = options.Positional
            .SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p, "results.json", SearchOption.AllDirectories) : [p])
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            Out.Error("summarize: give folders (or files) holding results.json");
            return 2;
        }

        var metrics = new SortedDictionary<string, SortedDictionary<string, List<double>>>(StringComparer.Ordinal);
        var verdicts = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var doc = JsonNode.Parse(File.ReadAllText(file))!;
            foreach (var r in doc["results"]!.AsArray())
            {
                var id = r!["id"]!.GetValue<string>();
                if (!verdicts.TryGetValue(id, out var v))
                {
                    verdicts[id] = v = [];
                }

                v.Add(r["verdict"]!.ToString());
                if (!metrics.TryGetValue(id, out var m))
                {
                    metrics[id] = m = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
                }

                foreach (var (key, value) in r["metrics"]!.AsObject())
                {
                    if (value is JsonValue jv && jv.TryGetValue<double>(out var d) && !double.IsNaN(d))
                    {
                        if (!m.TryGetValue(key, out var list))
                        {
                            m[key] = list = [];
                        }

                        list.Add(d);
                    }
                }
            }
        }

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{files.Count} result files: {string.Join(", ", files)}");
        sb.AppendLine();
        sb.AppendLine("| benchmark | metric | median | min | max | runs |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var (id, m) in metrics)
        {
            foreach (var (key, values) in m)
            {
                var s = new Stats(values);
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {id.ToUpperInvariant()} | {key} | {F(s.P50)} | {F(s.Min)} | {F(s.Max)} | {s.Count} |");
            }
        }

        sb.AppendLine();
        foreach (var (id, v) in verdicts)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{id.ToUpperInvariant()}: {string.Join(", ", v)}");
        }

        Out.Line(sb.ToString());
        if (options.OutDir is { } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "medians.md"), sb.ToString());
        }

        return 0;
    }

    private static string F(double v) => Math.Abs(v) switch
    {
        >= 100 => v.ToString("F0", CultureInfo.InvariantCulture),
        >= 1 => v.ToString("F2", CultureInfo.InvariantCulture),
        _ => v.ToString("F3", CultureInfo.InvariantCulture),
    };
}

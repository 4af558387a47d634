using System.Text.Json;
using System.Text.Json.Serialization;

namespace Console.Bench.Infra;

internal enum Verdict
{
    Met,
    NotMet,
    Smoke,
    Skipped,
    Error,
}

/// <summary>What one benchmark measured: its headline figure, its reference measured in the same run, and the raw numbers.</summary>
internal sealed class BenchResult(string id, string title, string goal)
{
    public string Id { get; } = id;

    public string Title { get; } = title;

    public string Goal { get; } = goal;

    [JsonConverter(typeof(JsonStringEnumConverter))]
    public Verdict Verdict { get; set; } = Verdict.Smoke;

    /// <summary>The headline, e.g. "p50 3.1 ms, p99 9.8 ms".</summary>
    public string Figure { get; set; } = "";

    /// <summary>The reference measured (or computed) in the same run, e.g. "Prefect model: p50 5.1 s".</summary>
    public string Reference { get; set; } = "";

    /// <summary>The ratio or comparison against the reference.</summary>
    public string Comparison { get; set; } = "";

    /// <summary>Headline numbers by name (medians across repetitions are taken by `summarize`).</summary>
    public SortedDictionary<string, double> Metrics { get; } = new(StringComparer.Ordinal);

    public List<string> Notes { get; } = [];

    /// <summary>Raw samples and series, written to results.json for charts and audits.</summary>
    public Dictionary<string, object> Raw { get; } = new(StringComparer.Ordinal);

    public double Seconds { get; set; }

    public void Judge(bool met, bool quick) => Verdict = quick ? Verdict.Smoke : met ? Verdict.Met : Verdict.NotMet;

    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

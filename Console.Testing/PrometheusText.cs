using System.Globalization;
using System.Text.RegularExpressions;

namespace Console.Testing;

/// <summary>Reads samples out of a Prometheus text scrape (/metrics), as a dashboard query would.</summary>
public static partial class PrometheusText
{
    public static double Value(string metrics, string name, params (string Key, string Value)[] labels) =>
        TryValue(metrics, name, labels)
        ?? throw new InvalidOperationException($"no sample {name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} in:\n{metrics}");

    /// <summary>The value of the one sample of <paramref name="name"/> that carries all the labels (others may be present).</summary>
    public static double? TryValue(string metrics, string name, params (string Key, string Value)[] labels)
    {
        foreach (var line in metrics.Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (!match.Success || match.Groups["name"].Value != name)
            {
                continue;
            }

            var present = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (labels.All(l => present.TryGetValue(l.Key, out var v) && v == l.Value))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}

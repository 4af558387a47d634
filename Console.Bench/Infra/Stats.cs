namespace Console.Bench.Infra;

/// <summary>Percentiles of a sample (linear interpolation between order statistics, as numpy's default).</summary>
internal sealed class Stats
{
    private readonly double[] _sorted;

    public Stats(IEnumerable<double> values)
    {
        _sorted = [.. values.Order()];
    }

    public int Count => _sorted.Length;

    public double Min => _sorted.Length == 0 ? double.NaN : _sorted[0];

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

    public double Mean => _sorted.Length == 0 ? double.NaN : _sorted.Average();

    public double P50 => Percentile(50);

    public double P90 => Percentile(90);

    public double P95 => Percentile(95);

    public double P99 => Percentile(99);

    public IReadOnlyList<double> Sorted => _sorted;

    public double Percentile(double p)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = p / 100.0 * (_sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return _sorted[lo] + ((_sorted[hi] - _sorted[lo]) * (rank - lo));
    }

    public static double Median(IEnumerable<double> values) => new Stats(values).P50;

    public Dictionary<string, double> Summary() => new()
    {
        ["count"] = Count,
        ["min"] = Min,
        ["p50"] = P50,
        ["p90"] = P90,
        ["p95"] = P95,
        ["p99"] = P99,
        ["max"] = Max,
        ["mean"] = Mean,
    };

    public string Describe() =>
        $"n={Count} p50={Out.Ms(P50)} p90={Out.Ms(P90)} p99={Out.Ms(P99)} max={Out.Ms(Max)}";
}

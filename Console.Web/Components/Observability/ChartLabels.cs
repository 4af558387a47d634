using System.Globalization;
using Console.Contracts.Metrics;
using MudBlazor;

namespace Console.Web.Components.Observability;

/// <summary>Shared helpers of the insights charts: bucket labels and series building.</summary>
public static class ChartLabels
{
    /// <summary>Bucket start times as HH:mm (UTC), thinned so about eight labels show.</summary>
    public static string[] For(InsightsDto data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var step = Math.Max(1, data.Buckets.Count / 8);
        return [.. data.Buckets.Select((b, i) => i % step == 0 ? b.ToString("HH:mm", CultureInfo.InvariantCulture) : string.Empty)];
    }

    public static ChartSeries<double> Series(string name, IEnumerable<double> values) =>
        new() { Name = name, Data = new ChartData<double>((IReadOnlyList<double>)[.. values]) };

    /// <summary>A series with gaps: buckets without a value are not drawn.</summary>
    public static ChartSeries<double> Series(string name, IEnumerable<double?> values) =>
        new() { Name = name, Data = new ChartData<double>((IReadOnlyList<double?>)[.. values]) };

    /// <summary>Milliseconds while every latency of the range is below a second, else seconds.</summary>
    public static (string Unit, double Factor) LatencyUnit(InsightsDto data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var max = data.LatencyP50.Concat(data.LatencyP90).Concat(data.LatencyP99).Max() ?? 0;
        return max < 1 ? ("ms", 1000) : ("s", 1);
    }

    public static string Seconds(double? seconds) =>
        seconds is not { } s ? "–"
        : s < 1 ? string.Create(CultureInfo.InvariantCulture, $"{s * 1000:0} ms")
        : Durations(s);

    private static string Durations(double s) => Console.Contracts.Diagnostics.Durations.Format(TimeSpan.FromSeconds(s));
}

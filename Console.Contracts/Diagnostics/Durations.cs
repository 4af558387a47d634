using System.Globalization;

namespace Console.Contracts.Diagnostics;

/// <summary>Short human durations for diagnosis sentences: "45 s", "4 min", "2 h 5 min", "3 d 4 h".</summary>
public static class Durations
{
    public static string Format(TimeSpan span)
    {
        var s = Math.Abs(span.TotalSeconds);
        var total = (long)Math.Round(s, MidpointRounding.AwayFromZero);
        if (total < 60)
        {
            return Invariant($"{total} s");
        }

        if (total < 3600)
        {
            var (m, sec) = (total / 60, total % 60);
            return sec == 0 ? Invariant($"{m} min") : Invariant($"{m} min {sec} s");
        }

        if (total < 86_400)
        {
            var (h, m) = (total / 3600, total % 3600 / 60);
            return m == 0 ? Invariant($"{h} h") : Invariant($"{h} h {m} min");
        }

        var (d, hr) = (total / 86_400, total % 86_400 / 3600);
        return hr == 0 ? Invariant($"{d} d") : Invariant($"{d} d {hr} h");
    }

    /// <summary>"4 min ago" or "in 4 min", from <paramref name="now"/>'s point of view.</summary>
    public static string Relative(DateTime at, DateTime now) =>
        at <= now ? $"{Format(now - at)} ago" : $"in {Format(at - now)}";

    /// <summary>ISO-8601 UTC to the second, as the API prints times.</summary>
    public static string Time(DateTime at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

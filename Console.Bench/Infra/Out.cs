using System.Globalization;

namespace Console.Bench.Infra;

/// <summary>Everything the harness prints goes through here (System.Console explicitly: "Console" is our namespace).</summary>
internal static class Out
{
    private static readonly Lock Gate = new();

    public static void Line(string text = "")
    {
        lock (Gate)
        {
            System.Console.Out.WriteLine(text);
        }
    }

    /// <summary>A progress line, prefixed with the time since the harness started.</summary>
    public static void Step(string text) =>
        Line($"  [{Clock.SinceStart.TotalSeconds,6:F1}s] {text}");

    public static void Error(string text)
    {
        lock (Gate)
        {
            System.Console.Error.WriteLine(text);
        }
    }

    public static string Ms(double ms) => ms switch
    {
        >= 10_000 => (ms / 1000).ToString("F1", CultureInfo.InvariantCulture) + " s",
        >= 100 => ms.ToString("F0", CultureInfo.InvariantCulture) + " ms",
        >= 10 => ms.ToString("F1", CultureInfo.InvariantCulture) + " ms",
        _ => ms.ToString("F2", CultureInfo.InvariantCulture) + " ms",
    };
}

/// <summary>One monotonic clock for every timestamp of the harness.</summary>
internal static class Clock
{
    private static readonly long Start = System.Diagnostics.Stopwatch.GetTimestamp();

    public static long Now => System.Diagnostics.Stopwatch.GetTimestamp();

    public static TimeSpan SinceStart => System.Diagnostics.Stopwatch.GetElapsedTime(Start);

    public static double Ms(long from, long to) => (to - from) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;

    public static double MsSince(long from) => Ms(from, Now);
}

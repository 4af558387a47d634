using System.Globalization;
using Console.Contracts.Diagnostics;

namespace Console.Contracts.FlowRuns;

/// <summary>How the console, the CLI and the insights charts word a run's usage: "0.84 s", "2 min 5 s", "48.2 MiB".</summary>
public static class UsageFormat
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>CPU time: hundredths under 10 s (a short run's CPU is well under a second), then as durations are shown.</summary>
    public static string Cpu(double seconds) => seconds switch
    {
        < 10 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.##} s"),
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s"),
        _ => Durations.Format(TimeSpan.FromSeconds(seconds)),
    };

    /// <summary>Bytes in binary units with three significant digits at most.</summary>
    public static string Bytes(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        var format = unit == 0 || value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    /// <summary>A duration in whole seconds or more ("4 min 10 s"), or "-" when unknown.</summary>
    public static string Seconds(double? seconds) => seconds is { } s ? Durations.Format(TimeSpan.FromSeconds(s)) : "-";
}

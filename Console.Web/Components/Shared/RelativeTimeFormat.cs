using System.Globalization;

namespace Console.Web.Components.Shared;

/// <summary>How the console says when something happened: "12 s ago", "in 3 min", exact on hover.</summary>
public static class RelativeTimeFormat
{
    public static string Relative(DateTime? at, DateTime now, string never = "never")
    {
        if (at is not { } value)
        {
            return never;
        }

        var delta = now - AsUtc(value);
        var future = delta < TimeSpan.Zero;
        var span = future ? -delta : delta;
        if (span < TimeSpan.FromSeconds(1))
        {
            return "just now";
        }

        var amount = span switch
        {
            { TotalSeconds: < 60 } => $"{(int)span.TotalSeconds} s",
            { TotalMinutes: < 60 } => $"{(int)span.TotalMinutes} min",
            { TotalHours: < 48 } => $"{(int)span.TotalHours} h",
            _ => $"{(int)span.TotalDays} d",
        };
        return future ? $"in {amount}" : $"{amount} ago";
    }

    /// <summary>The exact instant, for the hover title: "2026-01-05 12:00:03 UTC".</summary>
    public static string Exact(DateTime? at) =>
        at is { } value ? AsUtc(value).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : string.Empty;

    /// <summary>Round-trip form for machines (tests, scripts): changes on every new value.</summary>
    public static string Iso(DateTime? at) =>
        at is { } value ? AsUtc(value).ToString("O", CultureInfo.InvariantCulture) : string.Empty;

    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: < 1 } => $"{(int)span.TotalMilliseconds} ms",
        { TotalSeconds: < 60 } => $"{span.TotalSeconds:0.#} s",
        { TotalMinutes: < 60 } => $"{(int)span.TotalMinutes} min {span.Seconds} s",
        _ => $"{(int)span.TotalHours} h {span.Minutes} min",
    };

    // Times from the database come back Unspecified but are UTC by contract (docs/api.md).
    private static DateTime AsUtc(DateTime value) =>
        value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc);
}

using System.Globalization;

namespace Console.Core.Persistence;

/// <summary>
/// A value for a raw SQL parameter, as the provider stores it: raw parameters skip the model's
/// converters. SQLite keeps ids as upper-case text (EF Core's mapping); PostgreSQL's
/// <c>timestamptz</c> takes only UTC times.
/// </summary>
public static class RawValues
{
    public static object Sqlite(object value) => value is Guid id ? id.ToString("D").ToUpperInvariant() : value;

    /// <summary>A time as EF Core writes it to SQLite: text that sorts as the time does (a value inside a JSON parameter, which no converter sees).</summary>
    public static string SqliteTime(DateTime time) => time.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture);

    public static object Postgres(object value) => value is DateTime time ? PostgresTime(time) : value;

    /// <summary>A time as <c>timestamptz</c> takes it (typed, for the arrays a statement unnests).</summary>
    public static DateTime PostgresTime(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}

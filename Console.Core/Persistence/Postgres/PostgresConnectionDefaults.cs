using System.Data.Common;
using Npgsql;

namespace Console.Core.Persistence.Postgres;

/// <summary>
/// What the console's PostgreSQL connections (its database context and Hangfire's storage alike, so
/// they still share one connection pool) get unless the operator's connection string names it: theirs
/// always wins, e.g. <c>Max Auto Prepare=0</c> behind a PgBouncer older than 1.21 in transaction mode.
/// Measured in docs/benchmarks.md (B3 and B4 on PostgreSQL).
/// </summary>
public static class PostgresConnectionDefaults
{
    /// <summary>
    /// Statements each connection keeps prepared, the most used first. The server sends the same few
    /// dozen statements thousands of times a second (a fleet's heartbeats and polls); unprepared,
    /// PostgreSQL parses and plans each one anew.
    /// </summary>
    public const int MaxAutoPrepare = 64;

    public static string Apply(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>().Select(Key).ToHashSet(StringComparer.Ordinal);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains(Key(nameof(NpgsqlConnectionStringBuilder.MaxAutoPrepare))))
        {
            builder.MaxAutoPrepare = MaxAutoPrepare;
        }

        return builder.ConnectionString;
    }

    // Npgsql reads "Max Auto Prepare" and "MaxAutoPrepare" alike, in any case.
    private static string Key(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
}

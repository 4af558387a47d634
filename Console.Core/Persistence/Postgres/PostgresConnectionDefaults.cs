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

    /// <summary>
    /// A connection goes back to the pool as it is: Npgsql otherwise resets its session (six statements:
    /// <c>CLOSE ALL</c>, <c>RESET ALL</c>, <c>UNLISTEN *</c> ...) before its next use, and a fleet's
    /// claims take a connection over a thousand times a second. The console sets no session state:
    /// its settings are per transaction, its locks rows, and Hangfire's <c>LISTEN</c> holds a
    /// connection of its own.
    /// </summary>
    public const bool NoResetOnClose = true;

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

        if (!given.Contains(Key(nameof(NpgsqlConnectionStringBuilder.NoResetOnClose))))
        {
            builder.NoResetOnClose = NoResetOnClose;
        }

        return builder.ConnectionString;
    }

    // Npgsql reads "Max Auto Prepare" and "MaxAutoPrepare" alike, in any case (and "No Reset On Close" so).
    private static string Key(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
}

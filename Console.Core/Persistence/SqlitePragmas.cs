using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Console.Core.Persistence;

/// <summary>
/// Per-connection SQLite settings: they do not persist in the file, so every new connection gets them.
/// A pooled connection keeps them: EF Core opens and closes its connection around every command or
/// transaction, and three statements on each opening cost a claim about a tenth of its time under the
/// write lock, so each native connection gets them once.
/// <list type="bullet">
/// <item><c>temp_store=MEMORY</c>: a multi-row statement inside a transaction keeps the pages it changes
/// in a statement journal, to undo just itself. A claim's UPDATE and INSERTs journal about 40 pages a
/// poll; past 64 KB SQLite spilled them to a temporary file, about 80 writes a poll under the lock.
/// Sorts and temporary tables that outgrow the page cache stay in memory too; the console's lists sort
/// with a LIMIT, which keeps only one page of rows.</item>
/// <item><c>wal_autocheckpoint=0</c>: <see cref="SqliteCheckpointer"/> copies the log back in the background.</item>
/// <item><c>journal_size_limit</c>: see <see cref="JournalSizeLimit"/>.</item>
/// </list>
/// </summary>
internal sealed class SqlitePragmas(string synchronous) : DbConnectionInterceptor
{
    /// <summary>How long a statement waits for a lock another connection holds before it fails with SQLITE_BUSY.</summary>
    internal const int BusyTimeoutMs = 30000;

    private readonly string _sql = $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout={BusyTimeoutMs}; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={JournalSizeLimit};";

    /// <summary>The size SQLite cuts the log file back to when it starts the log over: a log that grew during a long read does not keep its disk space.</summary>
    internal const long JournalSizeLimit = 64L << 20;

    private static readonly object Made = new();

    /// <summary>
    /// The native connections already set, by their handle (gone with it when the pool closes one).
    /// Static: each context gets its own interceptor, and the pool's connections outlive them all.
    /// </summary>
    private static readonly ConditionalWeakTable<object, object> Set = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (Claim(connection) is not { } handle)
        {
            return;
        }

        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = _sql;
            command.ExecuteNonQuery();
        }
        catch
        {
            Set.Remove(handle);
            throw;
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (Claim(connection) is not { } handle)
        {
            return;
        }

        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = _sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch
        {
            Set.Remove(handle);
            throw;
        }
    }

    /// <summary>The connection's native handle when its settings are still to be made (marked as made from now on), else null.</summary>
    private static object? Claim(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var handle = connection is SqliteConnection sqlite ? (object?)sqlite.Handle : null;
        return handle is not null && Set.TryAdd(handle, Made) ? handle : null;
    }
}

using System.Data.Common;
using Console.Core.Persistence;
using Console.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Core;

/// <summary>
/// SQLite keeps its settings per connection, not in the file; the app makes them once per native
/// connection, so a connection the pool hands out again must still have them. A setting no
/// connection has by default shows it: <c>Database:SqliteSynchronous=OFF</c>. With SQLite's own
/// checkpoints off on every connection, the background checkpointer alone keeps the log from growing.
/// </summary>
public sealed class SqliteConnectionSettingsTests(SqliteConnectionSettingsTests.OffSyncFactory factory)
    : IClassFixture<SqliteConnectionSettingsTests.OffSyncFactory>
{
    [Fact]
    public async Task Every_connection_has_the_apps_settings_when_new_and_when_reused_from_the_pool()
    {
        _ = factory.Services; // starts the app: its start-up migrates the file
        for (var round = 0; round < 3; round++)
        {
            // Two at once are two native connections; the later rounds get them back from the pool.
            await using var first = factory.Services.CreateAsyncScope();
            await using var second = factory.Services.CreateAsyncScope();
            var a = first.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            var b = second.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await a.Database.OpenConnectionAsync();
            await b.Database.OpenConnectionAsync();
            foreach (var db in new[] { a, b })
            {
                var connection = db.Database.GetDbConnection();
                Assert.Equal(0L, await PragmaAsync(connection, "synchronous")); // OFF
                Assert.Equal(2L, await PragmaAsync(connection, "temp_store")); // MEMORY
                Assert.Equal(0L, await PragmaAsync(connection, "wal_autocheckpoint"));
                Assert.Equal(64L << 20, await PragmaAsync(connection, "journal_size_limit"));
            }

            await a.Database.CloseConnectionAsync();
            await b.Database.CloseConnectionAsync();
        }
    }

    [Fact]
    public async Task The_write_ahead_log_is_copied_back_in_the_background_so_it_stays_small_while_the_app_writes()
    {
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE IF NOT EXISTS \"CheckpointProbe\" (\"Data\" BLOB NOT NULL)");
        }

        // 32 MB in 64 commits of 512 KB over about three seconds, through the app's own connections.
        // Without a checkpoint the log would hold all of it; the checkpointer copies it back four
        // times a second and SQLite then writes the log again from its start.
        var wal = factory.DatabasePath + "-wal";
        long largest = 0;
        for (var i = 0; i < 64; i++)
        {
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
                await db.Database.ExecuteSqlRawAsync("INSERT INTO \"CheckpointProbe\" SELECT randomblob(65536) FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8)");
            }

            largest = Math.Max(largest, LogSize(wal));
            await Task.Delay(50);
        }

        Assert.True(largest < 16L << 20, $"The log reached {largest >> 20} MB while the app wrote 32 MB: nothing checkpointed it.");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            Assert.Equal(64 * 8, await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM \"CheckpointProbe\"").SingleAsync());
        }
    }

    [Fact]
    public async Task The_write_ahead_log_starts_over_while_a_writer_keeps_committing()
    {
        _ = factory.Services; // starts the app and its checkpointer

        // Like a fleet's claims: a writer that commits again the moment it has committed, 20,000
        // times (160 MB of log). SQLite writes the log from its start again only when a write
        // begins after a checkpoint copied all of it, and here a commit always lands while a
        // checkpoint copies: one that never waits for the writer leaves the log growing by all of
        // it. The writer has its own thread and connection (with SQLite's own checkpoint off, as
        // the app's are), so nothing between its commits leaves the checkpoint a quiet moment.
        var wal = factory.DatabasePath + "-wal";
        long largest = 0;
        const int Commits = 20_000;
        // A thread of its own (LongRunning), and a failure there fails the test instead of the test host.
        await Task.Factory.StartNew(() =>
        {
            using var connection = new SqliteConnection($"Data Source={factory.DatabasePath};Pooling=False");
            connection.Open();
            using (var setup = connection.CreateCommand())
            {
                setup.CommandText = "PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=0; PRAGMA busy_timeout=30000; CREATE TABLE IF NOT EXISTS \"BusyProbe\" (\"Data\" BLOB NOT NULL);";
                setup.ExecuteNonQuery();
            }

            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO \"BusyProbe\" VALUES (randomblob(2000))";
            for (var i = 0; i < Commits; i++)
            {
                using (var transaction = connection.BeginTransaction())
                {
                    insert.Transaction = transaction;
                    insert.ExecuteNonQuery();
                    transaction.Commit();
                }

                largest = Math.Max(largest, LogSize(wal));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // Started over, the log holds about 16 MB (SqliteCheckpointer.RestartFrames) and what the
        // writer adds until a RESTART checkpoint gets the lock between two of its commits: 46-49 MB
        // at most here, with the writer at 50 MB a second. Never started over, it holds all 160 MB.
        Assert.True(largest < 96L << 20, $"The log reached {largest >> 20} MB while a writer kept committing: it never started over.");
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        Assert.Equal(Commits, await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM \"BusyProbe\"").SingleAsync());
    }

    public sealed class OffSyncFactory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Database:SqliteSynchronous"] = "OFF" };
    }

    /// <summary>
    /// No log file is an empty log: SQLite deletes it when the last connection to the database
    /// closes (another test clearing SQLite's connection pools closes this one's too).
    /// </summary>
    private static long LogSize(string wal) => new FileInfo(wal) is { Exists: true } log ? log.Length : 0;

    private static async Task<long> PragmaAsync(DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

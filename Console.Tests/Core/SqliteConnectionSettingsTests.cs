using System.Data.Common;
using Console.Core.Persistence;
using Console.Tests.Infrastructure;
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

            // No log file is an empty log: SQLite deletes it when the last connection to the
            // database closes (another test clearing SQLite's connection pools closes this one's too).
            largest = Math.Max(largest, new FileInfo(wal) is { Exists: true } log ? log.Length : 0);
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
    public async Task The_write_ahead_log_starts_over_while_writers_keep_committing()
    {
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE IF NOT EXISTS \"BusyProbe\" (\"Data\" BLOB NOT NULL)");
        }

        // Like a fleet's claims: three writers commit 64 KB each, a few hundred times a second, 128 MB in all.
        // SQLite writes the log from its start again only when a write begins after a checkpoint
        // copied all of it, and a writer always commits something first: a checkpoint that never
        // waits for writers leaves the log growing by all they write.
        var wal = factory.DatabasePath + "-wal";
        long largest = 0;
        var commits = 0;
        using var writing = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested)
            {
                largest = Math.Max(largest, new FileInfo(wal) is { Exists: true } log ? log.Length : 0);
                await Task.Delay(10);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested)
            {
                await using var scope = factory.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
                await db.Database.ExecuteSqlRawAsync("INSERT INTO \"BusyProbe\" VALUES (randomblob(65536))");
                if (Interlocked.Increment(ref commits) >= 2048)
                {
                    await writing.CancelAsync();
                }

                await Task.Delay(2);
            }
        })));
        await watch;

        var written = commits * 65536L;
        // Started over, the log holds what was written between two checkpoints: about 16 MB
        // (SqliteCheckpointer.RestartFrames) and what a quarter second adds to it.
        Assert.True(written >= 128L << 20, $"Only {written >> 20} MB written in 30 seconds: too little to tell.");
        Assert.True(largest < 40L << 20, $"The log reached {largest >> 20} MB while writers kept committing {written >> 20} MB: it never started over.");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            Assert.Equal(commits, await db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM \"BusyProbe\"").SingleAsync());
        }
    }

    public sealed class OffSyncFactory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Database:SqliteSynchronous"] = "OFF" };
    }

    private static async Task<long> PragmaAsync(DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

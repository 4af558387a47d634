using System.Collections.Concurrent;
using System.Globalization;
using Console.Contracts;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Console.Tests.Faults;

/// <summary>
/// Heartbeats of online workers are held in memory and written once per flush interval: a fleet
/// costs a few writes a second, REST shows every heartbeat at once, and a server killed outright
/// loses at most one interval of them, so no worker reads Offline after the restart.
/// </summary>
public sealed class HeartbeatCoalescingTests(ITestOutputHelper output) : FaultTestBase(output)
{
    private const int Workers = 20;

    [Fact]
    public async Task Many_heartbeats_cost_one_write_per_worker_per_flush_and_REST_shows_each_at_once()
    {
        // Long enough that every worker beats several times per flush even on a loaded machine.
        const int flushMs = 3000;
        const int beatsEach = 25;
        var server = Watch(await FaultServer.StartAsync(Folder.FullName, new Dictionary<string, string?> { ["Status:HeartbeatFlushMilliseconds"] = $"{flushMs}" }));
        using var http = server.CreateHttpClient();
        var pool = Unique("beats");
        await http.CreatePoolAsync(pool);
        var names = Enumerable.Range(0, Workers).Select(i => $"w{i:D2}").ToList();

        // A worker's first heartbeat (its registration) writes its row at once.
        foreach (var name in names)
        {
            await http.HeartbeatAsync(pool, name);
        }

        Assert.Equal(Workers, (await StoredBeatsAsync(server.DatabasePath, pool)).Count);

        await CountWorkerWritesAsync(server.DatabasePath);
        var lastSent = new ConcurrentDictionary<string, DateTime>();
        var started = DateTime.UtcNow;
        await Task.WhenAll(names.Select(name => Task.Run(async () =>
        {
            for (var k = 0; k < beatsEach; k++)
            {
                lastSent[name] = DateTime.UtcNow;
                await http.HeartbeatAsync(pool, name);
            }
        })));
        var elapsed = DateTime.UtcNow - started;

        // Read at once, no waiting: every worker shows its last heartbeat.
        var shown = (await http.WorkersAsync(pool)).ToDictionary(w => w.Name);
        foreach (var name in names)
        {
            Assert.True(shown[name].LastHeartbeatAt >= lastSent[name],
                $"{name}: REST shows {shown[name].LastHeartbeatAt:O}, before its last heartbeat was sent at {lastSent[name]:O}");
            Assert.Equal(WorkerStatus.Online, shown[name].Status);
        }

        // The rows catch up within a flush or two.
        await Wait.UntilAsync(async () =>
        {
            var stored = await StoredBeatsAsync(server.DatabasePath, pool);
            return names.All(n => stored[n] == shown[n].LastHeartbeatAt);
        }, "the rows to hold the heartbeats REST showed", 30);
        var writes = await CountWorkerWritesAsync(server.DatabasePath);
        var heartbeats = Workers * beatsEach;
        var flushes = Math.Ceiling(elapsed.TotalMilliseconds / flushMs) + 2;
        Output.WriteLine($"{heartbeats} heartbeats of {Workers} workers in {elapsed.TotalSeconds:F1} s: {writes} row writes (at most {Workers} x {flushes} flushes)");
        Assert.True(writes <= Workers * flushes, $"{writes} row writes for {heartbeats} heartbeats in {elapsed.TotalSeconds:F1} s: more than one per worker per flush");
        Assert.True(writes < heartbeats / 2, $"{writes} row writes for {heartbeats} heartbeats: they were not coalesced");
    }

    [Fact]
    public async Task A_SIGKILLed_server_loses_at_most_one_flush_interval_of_heartbeats_and_no_worker_reads_Offline_after_restart()
    {
        const int flushMs = 250;
        // What a loaded 2-core machine may add to one flush (gate, lock, scheduling).
        const int slackMs = 1000;
        var server = Watch(await FaultServer.StartAsync(Folder.FullName, new Dictionary<string, string?> { ["Status:HeartbeatFlushMilliseconds"] = $"{flushMs}" }));
        using var http = server.CreateHttpClient();
        var pool = Unique("kill");
        await http.CreatePoolAsync(pool);
        var names = Enumerable.Range(0, Workers).Select(i => $"w{i:D2}").ToList();
        // A 60 s interval: Offline only 180 s after the last heartbeat, longer than a restart takes
        // even on a loaded machine, so an Offline after the restart means heartbeats were lost.
        foreach (var name in names)
        {
            await http.HeartbeatAsync(pool, name, intervalSeconds: 60);
        }

        // Every worker heartbeats as fast as it is answered; each answered one is noted with when it was sent.
        var acked = names.ToDictionary(n => n, _ => new ConcurrentBag<(DateTime Sent, DateTime Answered)>());
        using var stop = new CancellationTokenSource();
        var loops = names.Select(name => Task.Run(async () =>
        {
            var mine = acked[name];
            while (!stop.IsCancellationRequested)
            {
                var sent = DateTime.UtcNow;
                try
                {
                    await http.HeartbeatAsync(pool, name, intervalSeconds: 60, ct: stop.Token);
                    mine.Add((sent, DateTime.UtcNow));
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    return; // the server is gone
                }
            }
        })).ToList();
        await Wait.UntilAsync(() => acked.Values.All(b => b.Count >= 10), "each worker to have 10 heartbeats answered", 60);

        var killAt = DateTime.UtcNow;
        await server.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        // What the file holds: every heartbeat answered more than one interval (and a flush's own
        // time) before the kill.
        var stored = await StoredBeatsAsync(server.DatabasePath, pool);
        var worstLost = TimeSpan.Zero;
        foreach (var name in names)
        {
            var mustHave = acked[name].Where(b => b.Answered <= killAt.AddMilliseconds(-(flushMs + slackMs))).Select(b => b.Sent).DefaultIfEmpty().Max();
            var lastAnswered = acked[name].Where(b => b.Answered <= killAt).Max(b => b.Sent);
            Assert.True(stored[name] >= mustHave,
                $"{name}: the file holds a heartbeat of {stored[name]:O}; one sent at {mustHave:O} was answered over {flushMs + slackMs} ms before the kill at {killAt:O}");
            worstLost = lastAnswered - stored[name] > worstLost ? lastAnswered - stored[name] : worstLost;
        }

        await server.StartAgainAsync();
        var after = await http.WorkersAsync(pool);
        Assert.Equal(names, after.Select(w => w.Name).Order(StringComparer.Ordinal));
        Assert.All(after, w => Assert.Equal((WorkerStatus.Online, stored[w.Name]), (w.Status, w.LastHeartbeatAt)));
        Output.WriteLine($"verified: {Workers} workers heartbeating, server SIGKILLed; at most {worstLost.TotalMilliseconds:F0} ms of answered heartbeats lost " +
            $"(flush every {flushMs} ms); after the restart all {Workers} read Online");
    }

    /// <summary>Each worker's last heartbeat as the pool's rows hold it (UTC).</summary>
    private static async Task<Dictionary<string, DateTime>> StoredBeatsAsync(string database, string pool)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT w.Name, w.LastHeartbeatAt FROM Workers w JOIN WorkPools p ON p.Id = w.PoolId WHERE p.Name = $pool";
        command.Parameters.AddWithValue("$pool", pool);
        var beats = new Dictionary<string, DateTime>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            beats[reader.GetString(0)] = DateTime.SpecifyKind(
                DateTime.Parse(reader.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc);
        }

        return beats;
    }

    /// <summary>Row writes to Workers since the last call, counted by a trigger the test installs in the server's file.</summary>
    private static async Task<long> CountWorkerWritesAsync(string database)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS test_worker_writes (n INTEGER);
            CREATE TRIGGER IF NOT EXISTS test_count_worker_writes AFTER UPDATE ON Workers BEGIN INSERT INTO test_worker_writes VALUES (1); END;
            SELECT count(*) FROM test_worker_writes;
            """;
        var count = (long)(await command.ExecuteScalarAsync() ?? 0L);
        command.CommandText = "DELETE FROM test_worker_writes";
        await command.ExecuteNonQueryAsync();
        return count;
    }

    private static async Task<SqliteConnection> OpenAsync(string database)
    {
        // No pooling: the file must be closed again before the server reopens it; a busy timeout
        // because the server writes meanwhile.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false, DefaultTimeout = 30 }.ToString());
        await connection.OpenAsync();
        await using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 10000";
        await busy.ExecuteNonQueryAsync();
        return connection;
    }
}

using System.Net;
using Console.Contracts;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Console.Tests.Api;

/// <summary>
/// The heartbeats held in memory reach the workers' rows at the next flush, for a whole fleet at
/// once (the flush is one statement), never moving a row's stamp backwards, and a worker deleted
/// meanwhile costs the others nothing.
/// </summary>
public abstract class HeartbeatFlushTests(ApiFactory factory) : ApiTestBase(factory)
{
    private const int Fleet = 1500;

    [Fact]
    public async Task A_fleets_held_heartbeats_reach_the_rows_never_backwards()
    {
        var poolName = (await CreatePoolAsync(type: "process")).Name;
        var presence = Factory.Services.GetRequiredService<WorkerPresence>();
        var flusher = Factory.Services.GetServices<IHostedService>().OfType<HeartbeatFlusher>().Single();
        var now = DateTime.UtcNow;
        // Whole milliseconds: both databases hold them exactly.
        var before = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc).AddMinutes(-1);
        var beat = before.AddSeconds(50);
        var ahead = before.AddHours(1); // a newer heartbeat another replica wrote meanwhile

        List<PoolWorker> workers;
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            var poolId = (await db.WorkPools.SingleAsync(p => p.Name == poolName)).Id;
            workers = [.. Enumerable.Range(0, Fleet + 2).Select(i => new PoolWorker
            {
                PoolId = poolId,
                Name = $"w{i:D4}",
                CreatedAt = before,
                LastHeartbeatAt = i == Fleet ? ahead : before,
                LastPolledAt = i % 3 == 0 ? null : before,
                HeartbeatIntervalSeconds = 30,
            })];
            db.Workers.AddRange(workers);
            await db.SaveChangesAsync();
        }

        // Even workers polled as well (a poll stamps LastPolledAt too; others leave it, null or not);
        // the last worker's row is deleted before the flush.
        var gone = workers[^1];
        foreach (var (worker, i) in workers.Select((w, i) => (w, i)))
        {
            presence.Beat(worker, beat, i % 2 == 0 ? beat : null, stored: false);
        }

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await db.Workers.Where(w => w.Id == gone.Id).ExecuteDeleteAsync();
        }

        // A periodic flush may be writing some of them already: this one waits for it, then writes the rest.
        await FlushAsync(flusher);

        Dictionary<string, PoolWorker> stored;
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            stored = await db.Workers.AsNoTracking().Where(w => w.Pool.Name == poolName).ToDictionaryAsync(w => w.Name);
        }

        Assert.Equal(0, presence.PendingCount);
        Assert.Equal(Fleet + 1, stored.Count);
        Assert.Equal(ahead, stored[workers[Fleet].Name].LastHeartbeatAt);
        for (var i = 0; i < Fleet; i++)
        {
            DateTime? polled = i % 2 == 0 ? beat : i % 3 == 0 ? null : before;
            Assert.Equal((beat, polled), (stored[workers[i].Name].LastHeartbeatAt, stored[workers[i].Name].LastPolledAt));
        }

        // The next heartbeat of a worker whose row survived is written as well.
        presence.Beat(workers[1], beat.AddSeconds(1), null, stored: false);
        await FlushAsync(flusher);
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            Assert.Equal(beat.AddSeconds(1), (await db.Workers.AsNoTracking().SingleAsync(w => w.Id == workers[1].Id)).LastHeartbeatAt);
        }
    }

    [Fact]
    public async Task A_flush_in_flight_with_a_workers_heartbeat_does_not_bring_it_back_Online_after_it_stopped()
    {
        var pool = (await CreatePoolAsync(type: "process")).Name;
        var presence = Factory.Services.GetRequiredService<WorkerPresence>();
        Assert.Equal(HttpStatusCode.NoContent, (await BeatAsync(stopped: false)).StatusCode); // writes the row
        Guid id;
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            id = await db.Workers.Where(w => w.Pool.Name == pool && w.Name == "w1").Select(w => w.Id).SingleAsync();
        }

        // A flush takes a steady heartbeat held in memory; the worker says it stopped before the flush writes it.
        Task<HttpResponseMessage> stop;
        using (await presence.FlushTurnAsync(CancellationToken.None))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await BeatAsync(stopped: false)).StatusCode);
            var taken = Assert.Single(presence.TakePending(DateTime.UtcNow), p => p.WorkerId == id);
            stop = BeatAsync(stopped: true);
            await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(2))); // a stop that does not wait for the flush is written by now
            await using var scope = Factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await db.Workers.Where(w => w.Id == id).ExecuteUpdateAsync(s => s.SetProperty(w => w.LastHeartbeatAt, taken.HeartbeatAt));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await stop.WaitAsync(TimeSpan.FromSeconds(60))).StatusCode);
        Assert.Equal(WorkerStatus.Offline, (await Worker(pool, "w1")).Status);
        await FlushAsync(Factory.Services.GetServices<IHostedService>().OfType<HeartbeatFlusher>().Single());
        Assert.Equal(WorkerStatus.Offline, (await Worker(pool, "w1")).Status);

        Task<HttpResponseMessage> BeatAsync(bool stopped) =>
            HeartbeatAsync(pool, new HeartbeatRequest { Name = "w1", HeartbeatIntervalSeconds = 10, Stopped = stopped });
    }

    /// <summary>A flush, bounded: one that hangs fails the test with its reason instead of holding up the run.</summary>
    private static Task FlushAsync(HeartbeatFlusher flusher) =>
        flusher.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
}

public sealed class SqliteHeartbeatFlushTests(ApiFactory factory) : HeartbeatFlushTests(factory), IClassFixture<ApiFactory>;

public sealed class PostgresHeartbeatFlushTests(PostgresApiFactory factory) : HeartbeatFlushTests(factory), IClassFixture<PostgresApiFactory>;

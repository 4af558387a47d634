using System.Net.Http.Json;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Core.Persistence;
using Console.Core.Polling;
using Console.Core.Workers;
using Console.Tests.Automations;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>
/// A fleet's new workers get their rows written together (<c>WorkerRegistrar</c>): on SQLite, while
/// the write gate is busy, they wait there as one writer, not one each; on PostgreSQL they do not
/// wait for the claims' gate at all. Each heartbeat is answered once its row and its "online" event
/// are committed. A new worker's first heartbeat and first poll racing each other still leave one row.
/// </summary>
public abstract class WorkerRegistrationTests(ApiFactory factory) : ApiTestBase(factory)
{
    private const int Newcomers = 60;

    /// <summary>SQLite's one writer: new workers' rows wait for the claims' gate (as one writer).</summary>
    protected abstract bool RegistrationWaitsForTheGate { get; }

    [Fact]
    public async Task New_workers_arriving_together_take_at_most_one_turn_at_the_gate_and_each_comes_online_with_its_event()
    {
        var pool = (await CreatePoolAsync(type: "process")).Name;
        var names = Enumerable.Range(0, Newcomers).Select(i => $"newcomer-{i:D2}").ToList();
        var gate = Factory.Services.GetRequiredService<ClaimGate>();

        List<Task> beats;
        var held = await HoldEveryTurnAsync(gate);
        try
        {
            beats = [.. names.Select(n => Client.HeartbeatAsync(pool, n, 10))];
            if (RegistrationWaitsForTheGate)
            {
                await Task.Delay(1000);
                Assert.DoesNotContain(beats, b => b.IsCompleted);
                // One writer for all of them (the heartbeat flush may wait there too).
                Assert.InRange(await Client.ClaimGateWaitingAsync() ?? 0, 1, 2);
            }
            else
            {
                // Answered while every claim would wait: a fleet's queued polls do not hold them up.
                await Task.WhenAll(beats).WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            ReleaseTurns(gate, held);
        }

        await Task.WhenAll(beats).WaitAsync(TimeSpan.FromSeconds(30));
        var workers = await Client.WorkersAsync(pool);
        Assert.Equal(names, workers.Select(w => w.Name).Order(StringComparer.Ordinal));
        Assert.All(workers, w => Assert.Equal(WorkerStatus.Online, w.Status));
        var online = await Client.EventsAsync($"?type={EventTypes.WorkerOnline}&pool={pool}&limit=500");
        Assert.Equal(names, online.Select(e => e.Resource.Name).Order(StringComparer.Ordinal));

        // Their next heartbeats are steady ones: held in memory, answered without the gate.
        held = await HoldEveryTurnAsync(gate);
        try
        {
            await Task.WhenAll(names.Take(5).Select(n => Client.HeartbeatAsync(pool, n, 10))).WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            ReleaseTurns(gate, held);
        }
    }

    [Fact]
    public async Task A_new_workers_first_heartbeat_and_first_poll_at_once_leave_one_row()
    {
        var pool = (await CreatePoolAsync(type: "process")).Name;
        var names = Enumerable.Range(0, 20).Select(i => $"racer-{i:D2}").ToList();

        await Task.WhenAll(names.SelectMany(n => new[] { Client.HeartbeatAsync(pool, n, 10), PollAsync(pool, n, limit: 1) }))
            .WaitAsync(TimeSpan.FromSeconds(30));

        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var rows = await db.Workers.AsNoTracking().Where(w => w.Pool.Name == pool).Select(w => w.Name).ToListAsync();
        Assert.Equal(names, rows.Order(StringComparer.Ordinal));
        Assert.All(await Client.WorkersAsync(pool), w => Assert.Equal(WorkerStatus.Online, w.Status));
    }

    [Fact]
    public async Task A_batch_that_meets_a_row_written_meanwhile_writes_the_others_and_leaves_that_one_to_its_heartbeat()
    {
        var poolName = (await CreatePoolAsync(type: "process")).Name;
        var names = Enumerable.Range(0, 5).Select(i => $"beside-{i}").ToList();
        await using var other = Factory.Services.CreateAsyncScope();
        var db = other.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var pool = await db.WorkPools.SingleAsync(p => p.Name == poolName);

        // Another writer (a first poll's claim on another connection) has the row of "taken" in a
        // transaction not committed yet when the batch writes.
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            db.Workers.Add(new PoolWorker { PoolId = pool.Id, Name = "taken", CreatedAt = DateTime.UtcNow, LastHeartbeatAt = DateTime.UtcNow, HeartbeatIntervalSeconds = 10 });
            await db.SaveChangesAsync();
            var registrar = Factory.Services.GetRequiredService<WorkerRegistrar>();
            var registering = new[] { "taken" }.Concat(names)
                .Select(n => registrar.RegisterAsync(poolName, n, new WorkerBeat(10, Health: (true, null)), CancellationToken.None))
                .ToList();
            await Task.Delay(300);
            await tx.CommitAsync();

            var written = await Task.WhenAll(registering).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Null(written[0]);
            Assert.Equal(names, written.Skip(1).Select(w => w?.Name));
        }

        var rows = await db.Workers.AsNoTracking().Where(w => w.PoolId == pool.Id).Select(w => w.Name).ToListAsync();
        Assert.Equal([.. names, "taken"], rows.Order(StringComparer.Ordinal));
        var online = await Client.EventsAsync($"?type={EventTypes.WorkerOnline}&pool={poolName}&limit=50");
        // One each: the other writer's save recorded the event of "taken", the batch none for it.
        Assert.Equal([.. names, "taken"], online.Select(e => e.Resource.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_registered_worker_reads_back_from_its_row_as_it_was_written()
    {
        var poolName = (await CreatePoolAsync(type: "process")).Name;
        var registrar = Factory.Services.GetRequiredService<WorkerRegistrar>();
        var polledAt = DateTime.UtcNow.AddSeconds(-1);
        var written = await registrar.RegisterAsync(
            poolName, "round-trip", new WorkerBeat(17, ["q-a", "q-b"], polledAt, (false, "docker: no engine")), CancellationToken.None);
        Assert.NotNull(written);

        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var row = await db.Workers.AsNoTracking().SingleAsync(w => w.Id == written.Id);
        // Every stored column, so a column added to the model and left out of the batch's INSERT fails here.
        foreach (var property in db.Model.FindEntityType(typeof(PoolWorker))!.GetProperties())
        {
            var info = property.PropertyInfo!;
            var expected = info.GetValue(written);
            var actual = info.GetValue(row);
            if (expected is DateTime at)
            {
                // PostgreSQL keeps microseconds.
                Assert.True(Math.Abs((at - (DateTime)actual!).TotalMilliseconds) < 1, $"{property.Name}: {at:O} written, {actual:O} read");
            }
            else
            {
                Assert.True(Equals(expected, actual), $"{property.Name}: {expected} written, {actual} read");
            }
        }

        Assert.Equal(17, row.HeartbeatIntervalSeconds);
        Assert.False(row.IsHealthy);
        var worker = Assert.Single(await Client.WorkersAsync(poolName));
        Assert.Equal(["q-a", "q-b"], worker.Queues);
    }

    [Fact]
    public async Task A_first_heartbeat_to_a_pool_that_does_not_exist_is_still_a_404()
    {
        var response = await Client.PostAsJsonAsync($"/api/work-pools/{Unique("nopool")}/workers/heartbeat", new HeartbeatRequest { Name = "lost" });
        await AssertProblemAsync(response, System.Net.HttpStatusCode.NotFound);
    }
}

public sealed class SqliteWorkerRegistrationTests(ApiFactory factory) : WorkerRegistrationTests(factory), IClassFixture<ApiFactory>
{
    protected override bool RegistrationWaitsForTheGate => true;
}

public sealed class PostgresWorkerRegistrationTests(PostgresApiFactory factory) : WorkerRegistrationTests(factory), IClassFixture<PostgresApiFactory>
{
    protected override bool RegistrationWaitsForTheGate => false;
}

using System.Net;
using Console.Contracts;
using Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Console.Tests.Api;

/// <summary>
/// A long-poll waits without a database connection: idle workers, however many, must not empty
/// PostgreSQL's connection pool (here 12 connections, so that 40 waiting workers would).
/// </summary>
public sealed class PollConnectionTests(PollConnectionTests.SmallPool factory) : ApiTestBase(factory), IClassFixture<PollConnectionTests.SmallPool>
{
    [Fact]
    public async Task Forty_workers_waiting_in_long_polls_leave_a_pool_of_twelve_connections_free_for_everyone_else()
    {
        const int Waiting = 40;
        var pool = await CreatePoolAsync(type: "process");
        var polls = Enumerable.Range(0, Waiting).Select(i => PollAsync(pool.Name, $"idle-{i}", wait: 8)).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(6);
        while ((await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers")).Count < Waiting && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        // Every worker has polled and waits; the console still answers what needs the database.
        Assert.Equal(Waiting, (await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers")).Count);
        using (var beat = await Client.PostJsonAsync($"/api/work-pools/{pool.Name}/workers/heartbeat", new HeartbeatRequest { Name = "busy-worker" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, beat.StatusCode);
        }

        Assert.All(await Task.WhenAll(polls), Assert.Empty);
    }

    /// <summary>The app on PostgreSQL with a pool of 12 connections that gives up after 3 s.</summary>
    public sealed class SmallPool : PostgresApiFactory
    {
        protected override void UseDatabase(IWebHostBuilder builder)
        {
            base.UseDatabase(builder);
            var small = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = 12, Timeout = 3 };
            builder.UseSetting("ConnectionStrings:Console", small.ConnectionString);
        }
    }
}

using System.Net;
using Console.Contracts;
using Console.Core.Polling;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>
/// A heartbeat that must write (a new worker) takes its turn at the write gate the claims use, so a
/// fleet coming up queues in the server instead of busy-retrying on SQLite's lock; a steady heartbeat,
/// held in memory, never waits there.
/// </summary>
public sealed class HeartbeatWriteGateTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_new_workers_first_heartbeat_waits_for_the_write_gate_and_a_steady_one_does_not()
    {
        var pool = await CreatePoolAsync(type: "process");
        Assert.Equal(HttpStatusCode.NoContent, (await HeartbeatAsync(pool.Name, "steady")).StatusCode);
        var gate = Factory.Services.GetRequiredService<ClaimGate>();

        Task<HttpResponseMessage> newcomer;
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            using var steady = await HeartbeatAsync(pool.Name, "steady").WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.NoContent, steady.StatusCode);

            newcomer = HeartbeatAsync(pool.Name, "newcomer");
            await Task.Delay(500);
            Assert.False(newcomer.IsCompleted, "the new worker's heartbeat wrote while another writer held the gate");
        }
        finally
        {
            gate.Release();
        }

        using var answer = await newcomer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        var workers = await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers");
        Assert.Equal(WorkerStatus.Online, workers.Single(w => w.Name == "newcomer").Status);
    }

    private Task<HttpResponseMessage> HeartbeatAsync(string pool, string worker) =>
        Client.PostJsonAsync($"/api/work-pools/{pool}/workers/heartbeat", new HeartbeatRequest { Name = worker, HeartbeatIntervalSeconds = 10 });
}

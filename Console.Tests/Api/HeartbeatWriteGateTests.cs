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
        await Client.HeartbeatAsync(pool.Name, "steady", 10);
        var gate = Factory.Services.GetRequiredService<ClaimGate>();

        Task newcomer;
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            await Client.HeartbeatAsync(pool.Name, "steady", 10).WaitAsync(TimeSpan.FromSeconds(10));

            newcomer = Client.HeartbeatAsync(pool.Name, "newcomer", 10);
            await Task.Delay(500);
            Assert.False(newcomer.IsCompleted, "the new worker's heartbeat wrote while another writer held the gate");
            // What an operator sees of it (the heartbeat flush and the embedded worker's poll may wait there too).
            Assert.InRange(await Client.ClaimGateWaitingAsync() ?? 0, 1, 10);
        }
        finally
        {
            gate.Release();
        }

        await newcomer.WaitAsync(TimeSpan.FromSeconds(10));
        await Wait.UntilAsync(async () => await Client.ClaimGateWaitingAsync() == 0, "nothing waiting at the gate once it is let go", 10);
        var workers = await GetAsync<List<WorkerDto>>($"/api/work-pools/{pool.Name}/workers");
        Assert.Equal(WorkerStatus.Online, workers.Single(w => w.Name == "newcomer").Status);
    }
}

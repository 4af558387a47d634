using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Tests.Worker;
using Xunit.Abstractions;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Faults;

/// <summary>
/// R4: the Docker engine the worker talks to is stopped for real (a private dockerd of this test,
/// never the machine's main one) and started again.
/// </summary>
public sealed class EngineStopTests(ITestOutputHelper output) : FaultTestBase(output)
{
    [Fact]
    public async Task A_stopped_dockerd_makes_the_worker_unhealthy_and_claim_nothing_and_when_it_is_back_the_runs_complete()
    {
        TestEnvironment.RequireDocker();
        var mainBridge = Directory.Exists("/sys/class/net/docker0");
        var engine = Watch(new PrivateDockerEngine());
        await engine.StartAsync();
        await engine.LoadImageAsync(TestEnvironment.TestImage);
        var server = Watch(await FaultServer.StartAsync(Folder.FullName));
        using var http = server.CreateHttpClient();
        var pool = Unique("r4");
        var name = Unique("w");
        await http.CreatePoolAsync(pool, "docker");
        StartWorker(server, pool, name, new Dictionary<string, string?>
        {
            ["Worker:DockerHost"] = engine.DockerHost,
            ["Worker:HeartbeatIntervalSeconds"] = "2",
        });
        await Wait.UntilAsync(async () => await WorkerAsync(http, pool, name) is { Status: WorkerStatus.Online, IsHealthy: true },
            "the worker to come online and healthy", 90);

        await engine.StopAsync(); // the worker is idle and healthy: nothing of it runs there

        await Wait.UntilAsync(async () => await WorkerAsync(http, pool, name) is { IsHealthy: false },
            "the worker to report itself unhealthy", 60);
        var first = await http.RunAsync(pool, "echo first");
        var second = await http.RunAsync(pool, "sh -c 'echo second; exit 0'");
        var unhealthy = (await WorkerAsync(http, pool, name))!;
        Assert.Contains("unreachable", unhealthy.HealthMessage, StringComparison.Ordinal);
        Assert.Contains(engine.DockerHost, unhealthy.HealthMessage, StringComparison.Ordinal);

        // Two more heartbeats with the runs due: it stays online (it is alive), claims nothing.
        var seen = unhealthy.LastHeartbeatAt;
        for (var beat = 0; beat < 2; beat++)
        {
            var before = seen;
            await Wait.UntilAsync(async () => (seen = (await WorkerAsync(http, pool, name))!.LastHeartbeatAt) > before, "another heartbeat", 30);
        }

        foreach (var run in new[] { first, second })
        {
            var now = await http.GetRunAsync(run.Id);
            Assert.Contains(now.State, new[] { FlowRunState.Scheduled, FlowRunState.Late });
            Assert.Null(now.WorkerName);
        }

        var stillUnhealthy = (await WorkerAsync(http, pool, name))!;
        Assert.Equal((WorkerStatus.Online, false), (stillUnhealthy.Status, stillUnhealthy.IsHealthy));

        await engine.StartAsync(); // the worker is not touched: it resumes by itself

        var firstDone = await http.WaitForStateAsync(first.Id, FlowRunState.Completed, 90);
        var secondDone = await http.WaitForStateAsync(second.Id, FlowRunState.Completed, 60);
        Assert.Equal((name, name), (firstDone.WorkerName, secondDone.WorkerName));
        Assert.Equal(["first"], await http.OutputAsync(first.Id));
        Assert.Equal(["second"], await http.OutputAsync(second.Id));
        await Wait.UntilAsync(async () => await WorkerAsync(http, pool, name) is { IsHealthy: true }, "the worker to report itself healthy again", 30);
        Assert.True(mainBridge == Directory.Exists("/sys/class/net/docker0"), "the private engine left the main engine's docker0 bridge alone");
        Output.WriteLine($"verified: private dockerd stopped -> worker {name} unhealthy ('{unhealthy.HealthMessage}'), " +
            "2 due runs stayed Scheduled over two heartbeats; dockerd started again -> both Completed on the same worker process");
    }

    private static async Task<WorkerDto?> WorkerAsync(HttpClient http, string pool, string name) =>
        (await http.WorkersAsync(pool)).SingleOrDefault(w => w.Name == name);
}

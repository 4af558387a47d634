using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Tests.Worker;
using Xunit.Abstractions;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Faults;

/// <summary>
/// R3: the server process is SIGKILLed while runs execute and started again on the same port and
/// database. The worker keeps its containers, buffers reports and logs, and delivers them later.
/// </summary>
public sealed class ServerKillTests(ITestOutputHelper output) : FaultTestBase(output)
{
    [Fact]
    public async Task Runs_that_execute_across_a_SIGKILLed_server_end_in_their_true_state_with_every_line_exactly_once()
    {
        TestEnvironment.RequireDocker();
        var server = Watch(await FaultServer.StartAsync(Folder.FullName, new Dictionary<string, string?> { ["Jobs:Enabled"] = "true" }));
        using var http = server.CreateHttpClient();
        var pool = Unique("r3");
        var name = Unique("w");
        await http.CreatePoolAsync(pool, "docker");
        var ok = await http.RunAsync(pool, "sh -c 'for i in $(seq 1 30); do echo ok-$i; sleep 0.2; done'");
        var bad = await http.RunAsync(pool, "sh -c 'for i in $(seq 1 30); do echo bad-$i; echo err-$i >&2; sleep 0.2; done; exit 3'");
        // Likely still running when the server is back: its output spans before, during and after.
        var late = await http.RunAsync(pool, "sh -c 'for i in $(seq 1 80); do echo late-$i; sleep 0.2; done'");
        StartWorker(server, pool, name);

        var okRunning = await http.WaitForStateAsync(ok.Id, FlowRunState.Running, 90);
        var badRunning = await http.WaitForStateAsync(bad.Id, FlowRunState.Running, 30);
        await Wait.UntilAsync(async () => (await http.OutputAsync(ok.Id)).Contains("ok-2") && (await http.OutputAsync(bad.Id)).Contains("bad-2"),
            "the first lines of both runs on the server", 60);

        await server.KillAsync();
        var killedAt = DateTime.UtcNow;
        // Both containers run to their end while the server is down: their last lines and their
        // exit are known only to the worker.
        foreach (var container in new[] { okRunning.InfrastructureId!, badRunning.InfrastructureId! })
        {
            await Wait.UntilAsync(async () => !(await Docker.Containers.InspectContainerAsync(container)).State.Running,
                $"container {container[..12]} to finish while the server is down", 60);
        }

        // The server's database still says Running: how the runs ended is known only to the worker's outbox.
        Assert.Equal(FlowRunState.Running, (await ServerDatabase.StateAsync(server.DatabasePath, ok.Id)).State);
        Assert.Equal(FlowRunState.Running, (await ServerDatabase.StateAsync(server.DatabasePath, bad.Id)).State);
        var downFor = DateTime.UtcNow - killedAt;
        await server.StartAgainAsync();

        var completed = await http.WaitForStateAsync(ok.Id, FlowRunState.Completed, 90);
        var failed = await http.WaitForStateAsync(bad.Id, FlowRunState.Failed, 30);
        var lateDone = await http.WaitForStateAsync(late.Id, FlowRunState.Completed, 90);

        // The same containers: the worker kept them through the outage, nothing was started twice.
        Assert.Equal((0, name, okRunning.InfrastructureId), (completed.ExitCode, completed.WorkerName, completed.InfrastructureId));
        Assert.Equal((3, name, badRunning.InfrastructureId), (failed.ExitCode, failed.WorkerName, failed.InfrastructureId));
        Assert.Equal(0, lateDone.ExitCode);
        Assert.Equal(Numbered("ok", 30), await StreamAsync(http, ok.Id, "stdout"));
        Assert.Equal(Numbered("bad", 30), await StreamAsync(http, bad.Id, "stdout"));
        Assert.Equal(Numbered("err", 30), await StreamAsync(http, bad.Id, "stderr"));
        Assert.Equal(Numbered("late", 80), await StreamAsync(http, late.Id, "stdout"));
        Output.WriteLine($"verified: server SIGKILLed with 3 runs executing, down {downFor.TotalSeconds:0.0} s; " +
            "ok Completed (0), bad Failed (3), late Completed; 30+30+30+80 lines, none lost or repeated");
    }

    private static List<string> Numbered(string prefix, int count) => [.. Enumerable.Range(1, count).Select(i => $"{prefix}-{i}")];

    private static async Task<List<string>> StreamAsync(HttpClient http, Guid id, string stream) =>
        [.. (await http.LogsAsync(id)).Where(l => l.Stream == stream).Select(l => l.Message)];
}

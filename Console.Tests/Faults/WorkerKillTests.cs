using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Tests.Worker;
using Xunit.Abstractions;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Faults;

/// <summary>
/// R2: the worker process is SIGKILLed while its container runs. Either it comes back (same name)
/// and adopts the container, or it never does and the server's lease reaper settles the run.
/// </summary>
public sealed class WorkerKillTests(ITestOutputHelper output) : FaultTestBase(output)
{
    [Fact]
    public async Task A_SIGKILLed_worker_started_again_adopts_its_running_container_and_the_run_completes_with_every_line_once()
    {
        TestEnvironment.RequireDocker();
        var server = Watch(await ServerProcess.StartAsync(Folder.FullName));
        using var http = server.CreateHttpClient();
        var pool = Unique("r2-adopt");
        var name = Unique("w");
        await http.CreatePoolAsync(pool);
        // 20 lines, then it waits for the test's go (so it is still running when the new worker
        // comes), then 10 more: lines 1-20 straddle the kill, 21-30 come after the adoption.
        var run = await http.RunAsync(pool,
            "sh -c 'for i in $(seq 1 20); do echo line-$i; sleep 0.1; done; while [ ! -e /m/go ]; do sleep 0.1; done; for i in $(seq 21 30); do echo line-$i; done'",
            new JsonObject { ["volumes"] = new JsonArray($"{Folder.FullName}:/m:ro") });

        var first = StartWorker(server, pool, name);
        var running = await http.WaitForStateAsync(run.Id, FlowRunState.Running, 90);
        await WaitUntilAsync(async () => (await http.OutputAsync(run.Id)).Contains("line-3"), "the run's first lines on the server", 60);

        await first.KillAsync();
        Assert.True((await Docker.Containers.InspectContainerAsync(running.InfrastructureId)).State.Running,
            "the container outlives its SIGKILLed worker");
        await WaitUntilAsync(async () => (await Docker.Containers.InspectContainerAsync(running.InfrastructureId)).State.Running
                && (await ContainerOutputAsync(running.InfrastructureId!)).Contains("line-20"),
            "the container to print on while no worker watches it", 60);

        StartWorker(server, pool, name); // the same name: it looks for its own containers by label
        await WaitUntilAsync(async () => (await http.LogsAsync(run.Id)).Any(l => l.Message.StartsWith("Worker took over container", StringComparison.Ordinal)),
            "the restarted worker to adopt the container", 90);
        await File.WriteAllTextAsync(Path.Combine(Folder.FullName, "go"), "go");
        var done = await http.WaitForStateAsync(run.Id, FlowRunState.Completed, 60);

        Assert.Equal((name, running.InfrastructureId, 0), (done.WorkerName, done.InfrastructureId, done.ExitCode));
        Assert.Equal(Numbered("line", 1, 30), await http.OutputAsync(run.Id));
        await WaitUntilAsync(async () => !await ContainerExistsAsync(running.InfrastructureId!), "the adopted container to be removed (auto_remove)");
        Output.WriteLine($"verified: run {run.Id} Completed after its worker was SIGKILLed; container {running.InfrastructureId![..12]} adopted; 30 lines, none lost or repeated");
    }

    [Fact]
    public async Task A_SIGKILLed_worker_that_never_returns_loses_its_lease_its_run_is_Crashed_and_the_slot_goes_to_the_next_run()
    {
        TestEnvironment.RequireDocker();
        // The real lease reaper (a Hangfire job every 10 s); workers heartbeat every 3 s, so a
        // silent one is Offline after 9 s instead of 30 s (margin for a busy machine).
        var server = Watch(await ServerProcess.StartAsync(Folder.FullName, new Dictionary<string, string?> { ["Jobs:Enabled"] = "true" }));
        using var http = server.CreateHttpClient();
        var pool = Unique("r2-reap");
        var doomed = Unique("doomed");
        var heir = Unique("heir");
        var fast = new Dictionary<string, string?> { ["Worker:HeartbeatIntervalSeconds"] = "3" };
        using (var created = await http.PostAsJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = pool, Type = "docker", ConcurrencyLimit = 1 }, ConsoleJson.Options))
        {
            created.EnsureSuccessStatusCode();
        }

        var first = await http.RunAsync(pool, "sh -c 'echo started; sleep 300'");
        var victim = StartWorker(server, pool, doomed, fast);
        var running = await http.WaitForStateAsync(first.Id, FlowRunState.Running, 90);
        await WaitUntilAsync(async () => (await http.OutputAsync(first.Id)).Contains("started"), "the first run's output", 60);

        var next = await http.RunAsync(pool, "echo next");
        StartWorker(server, pool, heir, fast);
        await WaitUntilAsync(async () => (await http.WorkersAsync(pool)).Any(w => w.Name == heir && w.Status == WorkerStatus.Online),
            "the second worker to come online", 90);
        // The pool's only slot is taken: the second worker cannot have the next run.
        Assert.Contains((await http.GetRunAsync(next.Id)).State, new[] { FlowRunState.Scheduled, FlowRunState.Late });

        await victim.KillAsync(); // and it never comes back

        var crashed = await http.WaitForStateAsync(first.Id, FlowRunState.Crashed, 90);
        Assert.Contains(doomed, crashed.StateMessage, StringComparison.Ordinal);
        Assert.True((await Docker.Containers.InspectContainerAsync(running.InfrastructureId)).State.Running,
            "nobody stopped the orphaned container (its worker is gone; another worker does not touch it)");
        var second = await http.WaitForStateAsync(next.Id, FlowRunState.Completed, 60);
        Assert.Equal(heir, second.WorkerName);
        // The server's own history: the next run was claimed only once the first one's slot was free.
        var freedAt = (await ServerDatabase.HistoryAsync(server.DatabasePath, first.Id)).Single(h => h.State == FlowRunState.Crashed).At;
        var claimedAt = (await ServerDatabase.HistoryAsync(server.DatabasePath, next.Id)).Single(h => h.State == FlowRunState.Pending).At;
        Assert.True(claimedAt >= freedAt, $"the next run was claimed at {claimedAt:O}, before the slot was freed at {freedAt:O}");
        Assert.Equal(["next"], await http.OutputAsync(next.Id));
        var workers = await http.WorkersAsync(pool);
        Assert.Equal(WorkerStatus.Offline, workers.Single(w => w.Name == doomed).Status);
        Output.WriteLine($"verified: worker {doomed} SIGKILLed for good -> Offline, run {first.Id} Crashed by the lease reaper; the next run took the freed slot on {heir}");
    }

    private static List<string> Numbered(string prefix, int from, int to) => [.. Enumerable.Range(from, to - from + 1).Select(i => $"{prefix}-{i}")];

    private async Task<string> ContainerOutputAsync(string id)
    {
        using var logs = await Docker.Containers.GetContainerLogsAsync(id, tty: false,
            new Docker.DotNet.Models.ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, default);
        var (stdout, stderr) = await logs.ReadOutputToEndAsync(default);
        return stdout + stderr;
    }

    private async Task<bool> ContainerExistsAsync(string id)
    {
        try
        {
            await Docker.Containers.InspectContainerAsync(id);
            return true;
        }
        catch (Docker.DotNet.DockerContainerNotFoundException)
        {
            return false;
        }
    }
}

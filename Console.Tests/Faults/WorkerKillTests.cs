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
        var server = Watch(await FaultServer.StartAsync(Folder.FullName));
        using var http = server.CreateHttpClient();
        var pool = Unique("r2-adopt");
        var name = Unique("w");
        await http.CreatePoolAsync(pool, "docker");
        // 20 lines, then it waits for the test's go (so it is still running when the new worker
        // comes), then 10 more: lines 1-20 straddle the kill, 21-30 come after the adoption.
        var run = await http.RunAsync(pool,
            "sh -c 'for i in $(seq 1 20); do echo line-$i; sleep 0.1; done; while [ ! -e /m/go ]; do sleep 0.1; done; for i in $(seq 21 30); do echo line-$i; done'",
            new JsonObject { ["volumes"] = new JsonArray($"{Folder.FullName}:/m:ro") });

        var first = StartWorker(server, pool, name);
        var running = await http.WaitForStateAsync(run.Id, FlowRunState.Running, 90);
        await Wait.UntilAsync(async () => (await http.OutputAsync(run.Id)).Contains("line-3"), "the run's first lines on the server", 60);

        await first.KillAsync();
        Assert.True((await Docker.Containers.InspectContainerAsync(running.InfrastructureId)).State.Running,
            "the container outlives its SIGKILLed worker");
        await Wait.UntilAsync(async () => (await Docker.Containers.InspectContainerAsync(running.InfrastructureId)).State.Running
                && (await ContainerOutputAsync(running.InfrastructureId!)).Contains("line-20"),
            "the container to print on while no worker watches it", 60);

        StartWorker(server, pool, name); // the same name: it looks for its own containers by label
        await Wait.UntilAsync(async () => (await http.LogsAsync(run.Id)).Any(l => l.Message.StartsWith("Worker took over container", StringComparison.Ordinal)),
            "the restarted worker to adopt the container", 90);
        await File.WriteAllTextAsync(Path.Combine(Folder.FullName, "go"), "go");
        var done = await http.WaitForStateAsync(run.Id, FlowRunState.Completed, 60);

        Assert.Equal((name, running.InfrastructureId, 0), (done.WorkerName, done.InfrastructureId, done.ExitCode));
        Assert.Equal(Numbered("line", 1, 30), await http.OutputAsync(run.Id));
        await Wait.UntilAsync(async () => !await ContainerExistsAsync(running.InfrastructureId!), "the adopted container to be removed (auto_remove)");
        Output.WriteLine($"verified: run {run.Id} Completed after its worker was SIGKILLed; container {running.InfrastructureId![..12]} adopted; 30 lines, none lost or repeated");
    }

    /// <summary>
    /// Fencing: the reaped run keeps the pool's only slot while its container runs; the other worker
    /// of the pool stops and removes that container, and only then is the next run claimed. The
    /// docker run carries Swarm's own task label, which once hid a container from its pool.
    /// </summary>
    [Theory]
    [InlineData("docker")]
    [InlineData("docker-swarm")]
    public async Task A_SIGKILLed_worker_that_never_returns_is_fenced_its_container_is_removed_before_the_next_run_takes_the_slot(string type)
    {
        var swarm = type == "docker-swarm";
        if (swarm)
        {
            TestEnvironment.RequireSwarm();
        }
        else
        {
            TestEnvironment.RequireDocker();
        }

        // The real lease reaper (a Hangfire job every 10 s); workers heartbeat every 3 s, so a
        // silent one is Offline after 9 s instead of 30 s (margin for a busy machine).
        var server = Watch(await FaultServer.StartAsync(Folder.FullName, new Dictionary<string, string?> { ["Jobs:Enabled"] = "true" }));
        using var http = server.CreateHttpClient();
        var pool = Unique("r2-fence");
        var doomed = Unique("doomed");
        var heir = Unique("heir");
        var fast = new Dictionary<string, string?> { ["Worker:HeartbeatIntervalSeconds"] = "3" };
        using (var created = await http.PostAsJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = pool, Type = type, ConcurrencyLimit = 1 }, ConsoleJson.Options))
        {
            created.EnsureSuccessStatusCode();
        }

        try
        {
            var since = DateTime.UtcNow.AddSeconds(-5);
            var first = await http.RunAsync(pool, "sh -c 'echo started; sleep 300'",
                new JsonObject { ["labels"] = new JsonObject { ["com.docker.swarm.task.id"] = "not-a-swarm-task" } }, docker: !swarm);
            var victim = StartWorker(server, pool, doomed, fast);
            await http.WaitForStateAsync(first.Id, FlowRunState.Running, 90);
            await Wait.UntilAsync(async () => (await http.OutputAsync(first.Id)).Contains("started"), "the first run's output", 60);
            var container = Assert.Single(await RunContainersAsync(first.Id));
            Assert.Equal("running", container.State);

            var next = await http.RunAsync(pool, "echo next", docker: !swarm);
            StartWorker(server, pool, heir, fast);
            await Wait.UntilAsync(async () => (await http.WorkersAsync(pool)).Any(w => w.Name == heir && w.Status == WorkerStatus.Online),
                "the second worker to come online", 90);
            // The pool's only slot is taken: the second worker cannot have the next run.
            Assert.Contains((await http.GetRunAsync(next.Id)).State, new[] { FlowRunState.Scheduled, FlowRunState.Late });

            await victim.KillAsync(); // and it never comes back

            var crashed = await http.WaitForStateAsync(first.Id, FlowRunState.Crashed, 90);
            Assert.Contains(doomed, crashed.StateMessage, StringComparison.Ordinal);
            var second = await http.WaitForStateAsync(next.Id, FlowRunState.Completed, 120);
            Assert.Equal(heir, second.WorkerName);
            Assert.Equal(["next"], await http.OutputAsync(next.Id));

            // The orphan is gone: stopped and removed by the heir, which reported it released.
            Assert.Empty(await RunContainersAsync(first.Id));
            var fenced = await http.GetRunAsync(first.Id);
            Assert.Equal(FlowRunState.Crashed, fenced.State);
            Assert.Null(fenced.InfrastructureHeldSince);
            Assert.NotNull(fenced.InfrastructureReleasedAt);
            Assert.Contains(await http.LogsAsync(first.Id), l => l.Stream == "worker" && l.Message.StartsWith($"Worker {heir} stopped and removed", StringComparison.Ordinal));

            // In order, by the server's history and the engine's own events: the crash (the container
            // still running), the container destroyed, the release, and only then the next run's claim.
            var crashedAt = (await ServerDatabase.HistoryAsync(server.DatabasePath, first.Id)).Single(h => h.State == FlowRunState.Crashed).At;
            var claimedAt = (await ServerDatabase.HistoryAsync(server.DatabasePath, next.Id)).Single(h => h.State == FlowRunState.Pending).At;
            var destroyedAt = await DestroyedAtAsync(container.ID, since);
            Assert.True(crashedAt < destroyedAt, $"the container was destroyed at {destroyedAt:O}, before the crash at {crashedAt:O}: nothing held");
            Assert.True(destroyedAt <= fenced.InfrastructureReleasedAt, $"released at {fenced.InfrastructureReleasedAt:O}, before the container was destroyed at {destroyedAt:O}");
            Assert.True(fenced.InfrastructureReleasedAt <= claimedAt, $"the next run was claimed at {claimedAt:O}, before the release at {fenced.InfrastructureReleasedAt:O}");
            if (swarm)
            {
                Assert.Empty(await Docker.Swarm.ListServicesAsync(new Docker.DotNet.Models.ServicesListParameters
                {
                    Filters = new Docker.DotNet.Models.ServiceFilter { Label = [$"console.flow-run-id={first.Id}"] },
                }));
            }

            var workers = await http.WorkersAsync(pool);
            Assert.Equal(WorkerStatus.Offline, workers.Single(w => w.Name == doomed).Status);
            Output.WriteLine($"verified ({type}): worker {doomed} SIGKILLed for good; run {first.Id} Crashed at {crashedAt:HH:mm:ss.fff} with its container " +
                $"{container.ID[..12]} running; {heir} destroyed it at {destroyedAt:HH:mm:ss.fff}, released {fenced.InfrastructureReleasedAt:HH:mm:ss.fff}; " +
                $"the next run was claimed at {claimedAt:HH:mm:ss.fff} and Completed");
        }
        finally
        {
            await RemoveServicesAsync(pool);
        }
    }

    /// <summary>The run's containers (a Swarm task's too: it carries the service's labels), found by the run's label.</summary>
    private async Task<IList<Docker.DotNet.Models.ContainerListResponse>> RunContainersAsync(Guid runId) =>
        await Docker.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"console.flow-run-id={runId}"] = true } },
        });

    /// <summary>When the engine destroyed the container (its own event), UTC.</summary>
    private async Task<DateTime> DestroyedAtAsync(string containerId, DateTime since)
    {
        var events = new List<Docker.DotNet.Models.Message>();
        await Docker.System.MonitorEventsAsync(new Docker.DotNet.Models.ContainerEventsParameters
        {
            Since = new DateTimeOffset(since).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            Until = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["container"] = new Dictionary<string, bool> { [containerId] = true },
                ["event"] = new Dictionary<string, bool> { ["destroy"] = true },
            },
        }, new Console.Projects.Images.SyncProgress<Docker.DotNet.Models.Message>(events.Add));
        var destroyed = Assert.Single(events);
        return DateTime.UnixEpoch.AddTicks(destroyed.TimeNano / 100);
    }

    private async Task RemoveServicesAsync(string pool)
    {
        try
        {
            foreach (var service in await Docker.Swarm.ListServicesAsync(new Docker.DotNet.Models.ServicesListParameters
            {
                Filters = new Docker.DotNet.Models.ServiceFilter { Label = [$"console.work-pool={pool}"] },
            }))
            {
                await Docker.Swarm.RemoveServiceAsync(service.ID);
            }
        }
        catch (Docker.DotNet.DockerApiException)
        {
            // not a swarm manager (the docker case), or removed meanwhile
        }
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

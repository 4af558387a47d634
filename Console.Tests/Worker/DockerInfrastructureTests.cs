using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Worker.Infrastructure;
using Console.Worker.Infrastructure.Docker;
using Console.Worker.Runs;
using Docker.DotNet;
using Docker.DotNet.Models;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

/// <summary>The docker infrastructure against the real engine and the local busybox image.</summary>
public sealed class DockerInfrastructureTests : IDisposable
{
    private readonly DockerInfrastructure _docker = NewDocker();
    private readonly DockerClient _client = DockerClient();
    private readonly List<string> _containers = [];

    [Fact]
    public async Task Run_streams_stdout_and_stderr_in_order_and_returns_the_exit_code()
    {
        var sink = new RecordingSink();
        await using var handle = await Start(DockerConfig("sh -c 'for i in 1 2 3; do echo out$i; echo err$i >&2; done; exit 3'"), sink);

        var exit = await handle.WatchAsync(CancellationToken.None).Within();

        Assert.Equal(3, exit.ExitCode);
        Assert.Equal(["out1", "out2", "out3"], sink.Of("stdout"));
        Assert.Equal(["err1", "err2", "err3"], sink.Of("stderr"));
        Assert.All(sink.Lines.Where(l => l.Stream != "worker"), l => Assert.NotNull(l.Timestamp));
        Assert.Equal(FlowRunState.Failed, RunOutcomes.Classify(exit).State);
    }

    [Fact]
    public async Task A_last_line_without_a_newline_is_still_a_line()
    {
        var sink = new RecordingSink();
        await using var handle = await Start(DockerConfig("sh -c 'echo first; printf last; sleep 1'"), sink);

        var exit = await handle.WatchAsync(CancellationToken.None).Within();

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(["first", "last"], sink.Of("stdout"));
    }

    [Fact]
    public async Task Run_sees_the_injected_environment_and_the_job_env()
    {
        var run = Run(new JsonObject { ["name"] = "world", ["n"] = 3 });
        var sink = new RecordingSink();
        var config = DockerConfig(
            "sh -c 'echo \"id=$CONSOLE_FLOW_RUN_ID\"; echo \"params=$CONSOLE_FLOW_RUN_PARAMETERS\"; echo \"flow=$CONSOLE_FLOW_NAME\"; echo \"dep=$CONSOLE_DEPLOYMENT_NAME\"; echo \"api=$CONSOLE_API_URL\"; echo \"mine=$MY_VAR\"'",
            c => c["env"] = new JsonObject { ["MY_VAR"] = "hello there" });
        await using var handle = await Start(config, sink, run);

        var exit = await handle.WatchAsync(CancellationToken.None).Within();

        Assert.Equal(0, exit.ExitCode);
        var lines = sink.Of("stdout");
        Assert.Contains($"id={run.Id}", lines);
        Assert.Contains("flow=hello-flow", lines);
        Assert.Contains("dep=hello-deployment", lines);
        Assert.Contains("api=http://127.0.0.1:5999", lines);
        Assert.Contains("mine=hello there", lines);
        var parameters = JsonNode.Parse(lines.Single(l => l.StartsWith("params=")).Replace("params=", string.Empty))!;
        Assert.Equal("world", (string?)parameters["name"]);
        Assert.Equal(3, (int?)parameters["n"]);
    }

    [Fact]
    public async Task Labels_volumes_memory_and_cpus_are_applied_to_the_container()
    {
        var folder = Directory.CreateTempSubdirectory("console-vol-");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "input.txt"), "from the host");
        var run = Run();
        var sink = new RecordingSink();
        var config = DockerConfig("sh -c 'cat /data/input.txt; echo; touch /data/new 2>/dev/null && echo writable || echo readonly'", c =>
        {
            c["labels"] = new JsonObject { ["team"] = "platform" };
            c["volumes"] = new JsonArray($"{folder.FullName}:/data:ro");
            c["mem_limit"] = "64m";
            c["cpus"] = 0.5;
            c["auto_remove"] = false;
        });
        await using var handle = await Start(config, sink, run);
        await handle.WatchAsync(CancellationToken.None).Within();

        var inspect = await _client.Containers.InspectContainerAsync(handle.InfrastructureId);
        Assert.Equal(run.Id.ToString(), inspect.Config.Labels[DockerLabels.FlowRunId]);
        Assert.Equal("test-worker", inspect.Config.Labels[DockerLabels.Worker]);
        Assert.Equal("platform", inspect.Config.Labels["team"]);
        Assert.Equal(64L << 20, inspect.HostConfig.Memory);
        Assert.Equal(500_000_000L, inspect.HostConfig.NanoCPUs);
        Assert.False(inspect.HostConfig.AutoRemove);
        Assert.False(inspect.HostConfig.Privileged);
        Assert.Contains($"{folder.FullName}:/data:ro", inspect.HostConfig.Binds);
        Assert.DoesNotContain(inspect.HostConfig.Binds, b => b.Contains("docker.sock"));
        Assert.Equal(["from the host", "readonly"], sink.Of("stdout"));

        // auto_remove false: the container stays after cleanup.
        await handle.CleanupAsync(CancellationToken.None);
        Assert.NotNull(await _client.Containers.InspectContainerAsync(handle.InfrastructureId));
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Cleanup_removes_the_container_when_auto_remove_is_on()
    {
        await using var handle = await Start(DockerConfig("echo bye"), new RecordingSink());
        var exit = await handle.WatchAsync(CancellationToken.None).Within();
        Assert.Equal(0, exit.ExitCode);

        // The exit code is read before removal: the engine's AutoRemove is never used.
        await handle.CleanupAsync(CancellationToken.None);

        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => _client.Containers.InspectContainerAsync(handle.InfrastructureId));
    }

    [Fact]
    public async Task Missing_image_with_pull_policy_never_fails_with_a_readable_reason()
    {
        var config = DockerConfig("echo hi", c => c["image"] = "console-test/does-not-exist:1.0");

        var error = await Assert.ThrowsAsync<InfrastructureException>(() => _docker.StartAsync(Spec(config), new RecordingSink(), CancellationToken.None));

        Assert.IsNotType<InfrastructureUnavailableException>(error);
        Assert.Contains("console-test/does-not-exist:1.0", error.Message);
        Assert.Contains("image_pull_policy is Never", error.Message);
    }

    [Fact]
    public async Task Unknown_command_fails_to_start_with_the_engine_reason()
    {
        var config = DockerConfig("no-such-command --flag");

        var error = await Assert.ThrowsAsync<InfrastructureException>(() => _docker.StartAsync(Spec(config), new RecordingSink(), CancellationToken.None));

        Assert.Contains("Could not start the container", error.Message);
        Assert.Contains("no-such-command", error.Message);
    }

    [Fact]
    public async Task Stop_ends_a_sleeping_container_within_the_grace_period()
    {
        var sink = new RecordingSink();
        await using var handle = await Start(DockerConfig("sh -c 'echo sleeping; sleep 300'"), sink);
        var watch = handle.WatchAsync(CancellationToken.None);
        await Wait.UntilAsync(() => sink.Of("stdout").Contains("sleeping"), "the container printed before sleeping");

        await handle.StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None).Within();
        var exit = await watch.Within(30);

        Assert.NotEqual(0, exit.ExitCode);
        var inspect = await _client.Containers.InspectContainerAsync(handle.InfrastructureId);
        Assert.False(inspect.State.Running);
    }

    [Fact]
    public async Task Out_of_memory_is_reported_as_a_crash()
    {
        var config = DockerConfig("sh -c 'x=0123456789; while true; do x=$x$x; done'", c => c["mem_limit"] = "8m");
        await using var handle = await Start(config, new RecordingSink());

        var exit = await handle.WatchAsync(CancellationToken.None).Within(120);

        Assert.True(exit.OutOfMemory, $"exit {exit.ExitCode}, error {exit.Error}");
        var end = RunOutcomes.Classify(exit);
        Assert.Equal(FlowRunState.Crashed, end.State);
        Assert.Contains("Out of memory", end.Message);
    }

    [Fact]
    public async Task Orphans_are_found_by_worker_label_and_adopted_logs_resume_after_the_cursor()
    {
        var worker = "adopt-" + Guid.NewGuid().ToString("N")[..8];
        var run = Run();
        var first = new RecordingSink();
        var config = DockerConfig("sh -c 'echo one; echo two; sleep 1; echo three'");
        var handle = await _docker.StartAsync(Spec(config, run, worker), first, CancellationToken.None);
        _containers.Add(handle.InfrastructureId);
        using (var stopWatching = new CancellationTokenSource())
        {
            var watch = handle.WatchAsync(stopWatching.Token);
            await Wait.UntilAsync(() => first.Of("stdout").Contains("two"), "the first two lines");
            await stopWatching.CancelAsync(); // the "worker" dies here
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
        }

        var orphans = await _docker.FindOrphansAsync(worker, CancellationToken.None);
        var orphan = Assert.Single(orphans);
        Assert.Equal(run.Id, orphan.RunId);
        Assert.Equal(handle.InfrastructureId, orphan.InfrastructureId);
        Assert.True(orphan.AutoRemove);

        var cursor = first.Lines.Where(l => l.Message == "two").Single().Timestamp;
        var second = new RecordingSink();
        await using var adopted = await _docker.AdoptAsync(orphan, cursor, second, CancellationToken.None);
        var exit = await adopted.WatchAsync(CancellationToken.None).Within();

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(["three"], second.Of("stdout"));
        Assert.DoesNotContain(await _docker.FindOrphansAsync("someone-else", CancellationToken.None), o => o.RunId == run.Id);
    }

    [Fact]
    public async Task Job_labels_cannot_override_the_workers_labels_nor_hide_the_container_behind_swarms_task_label()
    {
        var pool = "fence-" + Guid.NewGuid().ToString("N")[..10];
        var worker = "w-" + Guid.NewGuid().ToString("N")[..10];
        var run = Run(pool: pool);
        var decoy = Guid.NewGuid();
        // What a job could try when its labels get past the server (which refuses console.* keys):
        // pose as another run, another worker and a Swarm task, and drop out of the pool's fencing.
        var config = DockerConfig("sleep 300", c => c["labels"] = new JsonObject
        {
            ["com.docker.swarm.task.id"] = "not-a-swarm-task",
            [DockerLabels.FlowRunId] = decoy.ToString(),
            [DockerLabels.Worker] = "someone-else",
            [DockerLabels.Type] = "docker-swarm",
            ["Console.Work-Pool"] = "another-pool",
            [" console.auto-remove"] = "false",
            ["team"] = "data",
        });
        await using var handle = await _docker.StartAsync(Spec(config, run, worker), new RecordingSink(), CancellationToken.None);
        _containers.Add(handle.InfrastructureId);

        var labels = (await _client.Containers.InspectContainerAsync(handle.InfrastructureId)).Config.Labels;
        Assert.Equal(
            [(DockerLabels.AutoRemove, "true"), (DockerLabels.FlowRunId, run.Id.ToString()), (DockerLabels.FlowRunName, run.Name),
                (DockerLabels.Type, "docker"), (DockerLabels.Pool, pool), (DockerLabels.Worker, worker)],
            labels.Where(l => l.Key.Trim().StartsWith("console.", StringComparison.OrdinalIgnoreCase)).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => (l.Key, l.Value)));
        Assert.Equal(("not-a-swarm-task", "data"), (labels["com.docker.swarm.task.id"], labels["team"]));

        // Still found as this run's, by its worker (adoption) and by any worker of the pool (fencing) ...
        var own = Assert.Single(await _docker.FindOrphansAsync(worker, CancellationToken.None));
        Assert.Equal((run.Id, handle.InfrastructureId, true, worker), (own.RunId, own.InfrastructureId, own.IsRunning, own.WorkerName));
        var fenced = Assert.Single((await _docker.FindPoolInfrastructureAsync(pool, CancellationToken.None))!);
        Assert.Equal(own, fenced);
        Assert.Empty((await _docker.FindPoolInfrastructureAsync("another-pool", CancellationToken.None))!);

        // ... and removed.
        await _docker.RemoveOrphanAsync(fenced, CancellationToken.None);
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => _client.Containers.InspectContainerAsync(handle.InfrastructureId));
    }

    [Fact]
    public async Task An_unreachable_engine_is_unhealthy_and_start_says_unavailable()
    {
        using var docker = NewDocker("unix:///tmp/console-no-such-docker.sock");

        var health = await docker.CheckHealthAsync(CancellationToken.None);
        var error = await Assert.ThrowsAsync<InfrastructureUnavailableException>(
            () => docker.StartAsync(Spec(DockerConfig("echo hi")), new RecordingSink(), CancellationToken.None));

        Assert.False(health.IsHealthy);
        Assert.Contains("unreachable", health.Message);
        Assert.Contains("unreachable", error.Message);
    }

    public void Dispose()
    {
        foreach (var id in _containers)
        {
            try
            {
                _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }).GetAwaiter().GetResult();
            }
            catch (DockerContainerNotFoundException)
            {
                // removed by the test itself
            }
        }

        _client.Dispose();
        _docker.Dispose();
    }

    private async Task<IRunHandle> Start(JsonObject config, RecordingSink sink, FlowRunDto? run = null)
    {
        var handle = await _docker.StartAsync(Spec(config, run), sink, CancellationToken.None);
        _containers.Add(handle.InfrastructureId);
        return handle;
    }
}

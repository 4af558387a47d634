using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Worker.Infrastructure.Docker;
using Docker.DotNet;
using Docker.DotNet.Models;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

/// <summary>A real worker against the real server (Kestrel on loopback, SQLite) and the real Docker engine.</summary>
public sealed class WorkerEndToEndTests : IClassFixture<ConsoleServer>, IDisposable
{
    private readonly ConsoleServer _server;
    private readonly HttpClient _http;
    private readonly DockerClient _docker = DockerClient();
    private readonly string _pool = "e2e-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _worker = "w-" + Guid.NewGuid().ToString("N")[..10];

    public WorkerEndToEndTests(ConsoleServer server)
    {
        TestEnvironment.RequireDocker();
        _server = server;
        _http = server.CreateHttpClient();
    }

    [Fact]
    public async Task Docker_run_completes_with_its_logs_and_a_failing_one_fails_with_its_exit_code()
    {
        await _http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);

        var ok = await _http.RunAsync(_pool, "sh -c 'echo hello; echo \"p=$CONSOLE_FLOW_RUN_PARAMETERS\"; echo warn >&2'",
            parameters: new JsonObject { ["x"] = 1 });
        var bad = await _http.RunAsync(_pool, "sh -c 'echo failing; exit 3'");

        var done = await _http.WaitForStateAsync(ok.Id, FlowRunState.Completed);
        var failed = await _http.WaitForStateAsync(bad.Id, FlowRunState.Failed);

        Assert.Equal(_worker, done.WorkerName);
        Assert.Equal(0, done.ExitCode);
        Assert.False(string.IsNullOrEmpty(done.InfrastructureId));
        // Docker copies stdout and stderr separately: each is in order, their interleaving is not defined.
        var logs = await _http.LogsAsync(ok.Id);
        Assert.Equal(["hello", "p={\"x\":1}"], logs.Where(l => l.Stream == "stdout").Select(l => l.Message));
        Assert.Equal(["warn"], logs.Where(l => l.Stream == "stderr").Select(l => l.Message));
        Assert.Contains(logs, l => l.Stream == "worker" && l.Message.StartsWith("Started container", StringComparison.Ordinal));
        Assert.Equal(3, failed.ExitCode);
        Assert.Equal(["failing"], await _http.OutputAsync(bad.Id));
        await Wait.UntilAsync(async () => !await _docker.ContainerExistsAsync(done.InfrastructureId!), "auto_remove to remove the container");
    }

    [Fact]
    public async Task A_deployments_job_variables_shape_the_container_and_a_missing_image_crashes_the_run_with_a_reason()
    {
        var folder = Directory.CreateTempSubdirectory("console-e2e-vol-");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "input.txt"), "from the host");
        await _http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);

        var shaped = await _http.RunAsync(_pool, "sh -c 'echo \"greeting=$GREETING\"; cat /data/input.txt; sleep 2'", new JsonObject
        {
            ["env"] = new JsonObject { ["GREETING"] = "hello from the deployment" },
            ["labels"] = new JsonObject { ["team"] = "data-platform" },
            ["volumes"] = new JsonArray($"{folder.FullName}:/data:ro"),
            ["mem_limit"] = "64m",
            ["auto_remove"] = false,
        });
        var missing = await _http.RunAsync(_pool, "echo never", new JsonObject { ["image"] = "console-test/no-such-image:latest" });

        var running = await _http.WaitForStateAsync(shaped.Id, FlowRunState.Running);
        var container = await _docker.Containers.InspectContainerAsync(running.InfrastructureId!);
        Assert.Equal("data-platform", container.Config.Labels["team"]);
        Assert.Equal(shaped.Id.ToString(), container.Config.Labels[DockerLabels.FlowRunId]);
        Assert.Equal(64L * 1024 * 1024, container.HostConfig.Memory);
        Assert.Contains(container.Mounts, m => m.Source == folder.FullName && m.Destination == "/data" && !m.RW);

        var done = await _http.WaitForStateAsync(shaped.Id, FlowRunState.Completed);
        Assert.Equal(["greeting=hello from the deployment", "from the host"], await _http.OutputAsync(done.Id));
        var crashed = await _http.WaitForStateAsync(missing.Id, FlowRunState.Crashed);
        Assert.Contains("console-test/no-such-image:latest", crashed.StateMessage, StringComparison.Ordinal);
        Assert.Null(crashed.InfrastructureId);
        await _docker.Containers.RemoveContainerAsync(running.InfrastructureId!, new ContainerRemoveParameters { Force = true });
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Process_pool_runs_a_child_process_in_the_working_directory()
    {
        var folder = Directory.CreateTempSubdirectory("console-e2e-proc-");
        await _http.CreatePoolAsync(_pool, "process");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker,
            new Dictionary<string, string?> { ["Worker:WorkingDirectory"] = folder.FullName });

        var run = await _http.RunAsync(_pool, "sh -c 'pwd; echo \"flow=$CONSOLE_FLOW_NAME\"; exit 0'", docker: false);
        var done = await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);

        Assert.Equal(0, done.ExitCode);
        Assert.Equal([folder.FullName, $"flow={run.FlowName}"], await _http.OutputAsync(run.Id));
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task A_pool_template_edited_between_runs_shapes_the_runs_claimed_after_the_edit()
    {
        await _http.CreatePoolAsync(_pool, "process");
        await SetGreetingAsync("first");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        const string Command = "sh -c 'echo \"greeting=$GREETING\"'";

        // Two runs on the template the worker fetched for the first (the second's answer names the same one).
        foreach (var _ in new[] { 1, 2 })
        {
            var run = await _http.RunAsync(_pool, Command, docker: false);
            await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);
            Assert.Equal(["greeting=first"], await _http.OutputAsync(run.Id));
        }

        await SetGreetingAsync("second");
        var edited = await _http.RunAsync(_pool, Command, docker: false);
        await _http.WaitForStateAsync(edited.Id, FlowRunState.Completed);
        Assert.Equal(["greeting=second"], await _http.OutputAsync(edited.Id));
    }

    /// <summary>
    /// Edits the pool's job configuration, which only the worker renders (a variable's default would
    /// reach the run's job variables when it is created): GREETING in the environment of its runs.
    /// </summary>
    private async Task SetGreetingAsync(string greeting)
    {
        var template = (await _http.GetJsonAsync<WorkPoolDto>($"/api/work-pools/{_pool}")).BaseJobTemplate;
        template["jobConfiguration"]!["env"] = new JsonObject { ["GREETING"] = greeting };
        var response = await _http.PatchJsonAsync($"/api/work-pools/{_pool}", new { baseJobTemplate = template });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Cancelling_a_process_run_through_the_api_kills_its_whole_process_tree_and_ends_Cancelled()
    {
        var folder = Directory.CreateTempSubdirectory("console-e2e-cancel-");
        var pidFile = Path.Combine(folder.FullName, "child.pid");
        await _http.CreatePoolAsync(_pool, "process");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        // The child ignores SIGTERM: only the kill after the grace period (1 s here) ends it.
        var run = await _http.RunAsync(_pool, $"sh -c 'trap \"\" TERM; sleep 300 & echo $! > {pidFile}; echo started; wait'", docker: false);
        await _http.WaitForStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, "the child's pid file");
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        using var cancel = await _http.PostAsync($"/api/flow-runs/{run.Id}/cancel", null);
        cancel.EnsureSuccessStatusCode();

        await _http.WaitForStateAsync(run.Id, FlowRunState.Cancelled);
        await Wait.UntilAsync(() => !Directory.Exists($"/proc/{child}"), $"child process {child} to be gone", 15);
        await Wait.UntilAsync(() => worker.Processor.ActiveRuns.Count == 0, "the slot to be free");
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Cancelling_a_running_run_stops_its_container_and_ends_Cancelled()
    {
        await _http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var run = await _http.RunAsync(_pool, "sh -c 'echo started; sleep 300'");
        var running = await _http.WaitForStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(async () => (await _http.OutputAsync(run.Id)).Contains("started"), "the first log line");

        using var cancel = await _http.PostAsync($"/api/flow-runs/{run.Id}/cancel", null);
        cancel.EnsureSuccessStatusCode();

        await _http.WaitForStateAsync(run.Id, FlowRunState.Cancelled);
        await Wait.UntilAsync(async () => !await _docker.ContainerExistsAsync(running.InfrastructureId!), "the container to be removed");
        await Wait.UntilAsync(() => worker.Processor.ActiveRuns.Count == 0, "the slot to be free");
    }

    [Fact]
    public async Task A_restarted_worker_adopts_its_running_container_and_reports_its_end_without_duplicate_logs()
    {
        await _http.CreatePoolAsync(_pool, "docker");
        var marker = Path.Combine(Path.GetTempPath(), $"console-go-{Guid.NewGuid():N}");
        var folder = Path.GetDirectoryName(marker)!;
        var run = await _http.RunAsync(_pool, $"sh -c 'echo before; while [ ! -e /m/{Path.GetFileName(marker)} ]; do sleep 0.1; done; echo after'",
            new JsonObject { ["volumes"] = new JsonArray($"{folder}:/m:ro") });

        var first = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var running = await _http.WaitForStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(async () => (await _http.OutputAsync(run.Id)).Contains("before"), "the first line");
        await first.DisposeAsync(); // the worker goes away; its container does not

        Assert.True(await _docker.ContainerExistsAsync(running.InfrastructureId!));
        await File.WriteAllTextAsync(marker, "go"); // the flow finishes while no worker watches it
        await Wait.UntilAsync(async () => !(await _docker.Containers.InspectContainerAsync(running.InfrastructureId)).State.Running, "the container to exit");

        await using var second = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var done = await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);

        Assert.Equal(running.InfrastructureId, done.InfrastructureId);
        Assert.Equal(["before", "after"], await _http.OutputAsync(run.Id));
        await Wait.UntilAsync(async () => !await _docker.ContainerExistsAsync(running.InfrastructureId!), "the adopted container to be removed");
        File.Delete(marker);
    }

    [Fact]
    public async Task An_unreachable_engine_makes_the_worker_unhealthy_runs_stay_scheduled_and_it_resumes_by_itself()
    {
        await using var engine = new UnixSocketProxy(TestEnvironment.DockerSocket);
        await _http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker,
            new Dictionary<string, string?> { ["Worker:DockerHost"] = engine.DockerHost });

        await Wait.UntilAsync(async () => (await _http.WorkersAsync(_pool)).Any(w => w.Name == _worker && !w.IsHealthy),
            "the worker to report itself unhealthy");
        var run = await _http.RunAsync(_pool, "echo finally");
        var health = (await _http.WorkersAsync(_pool)).Single(w => w.Name == _worker);
        Assert.Contains("unreachable", health.HealthMessage);

        // Nothing is claimed while the engine is away: a full heartbeat later the run is still waiting.
        var beats = health.LastHeartbeatAt;
        await Wait.UntilAsync(async () => (await _http.WorkersAsync(_pool)).Single(w => w.Name == _worker).LastHeartbeatAt > beats, "another heartbeat");
        Assert.Contains((await _http.GetRunAsync(run.Id)).State, new[] { FlowRunState.Scheduled, FlowRunState.Late });

        engine.Start();
        await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);
        Assert.True((await _http.WorkersAsync(_pool)).Single(w => w.Name == _worker).IsHealthy);
        Assert.Equal(["finally"], await _http.OutputAsync(run.Id));
    }

    public void Dispose()
    {
        RemoveContainersOf(_docker, _worker);
        _docker.Dispose();
        _http.Dispose();
    }

    internal static void RemoveContainersOf(DockerClient docker, string worker)
    {
        var leftovers = docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.Worker}={worker}"] = true } },
        }).GetAwaiter().GetResult();
        foreach (var container in leftovers)
        {
            try
            {
                docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }).GetAwaiter().GetResult();
            }
            catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict)
            {
                // the worker's own auto_remove got there first (or is on it)
            }
        }
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Worker.Infrastructure.Docker;
using Docker.DotNet;
using Docker.DotNet.Models;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

/// <summary>
/// docker-swarm pools end to end: the real server, a real worker and a real single-node swarm
/// (scripts/test.sh's ensure_swarm). The test image is local only: Swarm's pull fails and the
/// node runs the image it has, as a node of a cluster without a registry would.
/// </summary>
public sealed class SwarmEndToEndTests : IClassFixture<ConsoleServer>, IDisposable
{
    private readonly ConsoleServer _server;
    private readonly HttpClient _http;
    private readonly DockerClient _docker = DockerClient();
    private readonly string _pool = "swarm-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _worker = "ws-" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<string> _networks = [];
    private readonly List<DirectoryInfo> _folders = [];

    public SwarmEndToEndTests(ConsoleServer server)
    {
        TestEnvironment.RequireSwarm();
        _server = server;
        _http = server.CreateHttpClient();
    }

    [Fact]
    public async Task A_run_completes_with_its_env_parameters_and_both_streams_and_its_service_is_removed()
    {
        await _http.CreatePoolAsync(_pool, "docker-swarm");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);

        var run = await _http.RunAsync(_pool,
            "sh -c 'echo hello; echo \"p=$CONSOLE_FLOW_RUN_PARAMETERS\"; echo \"id=$CONSOLE_FLOW_RUN_ID\"; echo \"mine=$MY_VAR\"; echo warn >&2'",
            new JsonObject { ["env"] = new JsonObject { ["MY_VAR"] = "hello there" } },
            new JsonObject { ["x"] = 1 }, docker: false);
        var done = await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);

        Assert.Equal(_worker, done.WorkerName);
        Assert.Equal(0, done.ExitCode);
        Assert.False(string.IsNullOrEmpty(done.InfrastructureId));
        var logs = await _http.LogsAsync(run.Id);
        Assert.Equal(["hello", "p={\"x\":1}", $"id={run.Id}", "mine=hello there"], logs.Where(l => l.Stream == "stdout").Select(l => l.Message));
        Assert.Equal(["warn"], logs.Where(l => l.Stream == "stderr").Select(l => l.Message));
        Assert.Contains(logs, l => l.Stream == "worker" && l.Message.StartsWith("Created Swarm job service", StringComparison.Ordinal));
        await Wait.UntilAsync(async () => !await ServiceExistsAsync(done.InfrastructureId!), "the service to be removed after the run");
    }

    [Fact]
    public async Task A_failing_job_fails_with_its_exit_code_and_a_missing_image_crashes_with_the_reason()
    {
        await _http.CreatePoolAsync(_pool, "docker-swarm");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);

        var bad = await _http.RunAsync(_pool, "sh -c 'echo failing; exit 3'", docker: false);
        var missing = await _http.RunAsync(_pool, "echo never",
            new JsonObject { ["image"] = "console-test/no-such-image:" + Guid.NewGuid().ToString("N")[..8] }, docker: false);

        var failed = await _http.WaitForStateAsync(bad.Id, FlowRunState.Failed);
        var crashed = await _http.WaitForStateAsync(missing.Id, FlowRunState.Crashed);

        Assert.Equal(3, failed.ExitCode);
        Assert.Equal(["failing"], await _http.OutputAsync(bad.Id));
        Assert.Contains("No such image", crashed.StateMessage, StringComparison.Ordinal);
        Assert.Contains((string)missing.JobVariables["image"]!, crashed.StateMessage, StringComparison.Ordinal);
        Assert.Contains("Every node that may run the job needs the image", crashed.StateMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Constraints_resources_labels_networks_and_volumes_are_applied_to_the_service()
    {
        var network = "console-net-" + Guid.NewGuid().ToString("N")[..8];
        var created = await _docker.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = network, Driver = "overlay", Attachable = true });
        _networks.Add(created.ID);
        var folder = TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "input.txt"), "from the node");
        await _http.CreatePoolAsync(_pool, "docker-swarm");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);

        var run = await _http.RunAsync(_pool, "sh -c 'cat /data/input.txt; echo; while [ ! -e /data/go ]; do sleep 0.1; done; echo done'", new JsonObject
        {
            ["constraints"] = new JsonArray("node.role==manager", "node.platform.os==linux"),
            ["resources"] = new JsonObject
            {
                ["limits"] = new JsonObject { ["cpus"] = 0.5, ["memory"] = "64m" },
                ["reservations"] = new JsonObject { ["cpus"] = 0.1, ["memory"] = "16m" },
            },
            ["labels"] = new JsonObject { ["team"] = "platform" },
            ["networks"] = new JsonArray(network),
            ["volumes"] = new JsonArray($"{folder.FullName}:/data:ro"),
        }, docker: false);
        var running = await _http.WaitForStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(async () => (await _http.OutputAsync(run.Id)).Contains("from the node"), "the job to read the mounted file");

        var service = await _docker.Swarm.InspectServiceAsync(running.InfrastructureId);
        var task = service.Spec.TaskTemplate;
        Assert.Equal(1UL, service.Spec.Mode.ReplicatedJob.MaxConcurrent);
        Assert.Equal(1UL, service.Spec.Mode.ReplicatedJob.TotalCompletions);
        Assert.Equal("none", task.RestartPolicy.Condition);
        Assert.Equal(["node.role==manager", "node.platform.os==linux"], task.Placement.Constraints);
        Assert.Equal(500_000_000L, task.Resources.Limits.NanoCPUs);
        Assert.Equal(64L << 20, task.Resources.Limits.MemoryBytes);
        Assert.Equal(100_000_000L, task.Resources.Reservations.NanoCPUs);
        Assert.Equal(16L << 20, task.Resources.Reservations.MemoryBytes);
        Assert.Equal(created.ID, Assert.Single(task.Networks).Target);
        var mount = Assert.Single(task.ContainerSpec.Mounts);
        Assert.Equal(("bind", folder.FullName, "/data", true), (mount.Type, mount.Source, mount.Target, mount.ReadOnly));
        Assert.Equal(run.Id.ToString(), service.Spec.Labels[DockerLabels.FlowRunId]);
        Assert.Equal(_worker, service.Spec.Labels[DockerLabels.Worker]);
        Assert.Equal("platform", service.Spec.Labels["team"]);
        Assert.Equal(_worker, task.ContainerSpec.Labels[DockerLabels.Worker]);

        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "go"), "go");
        await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);
        Assert.Equal(["from the node", "done"], await _http.OutputAsync(run.Id));
    }

    [Fact]
    public async Task Cancelling_a_sleeping_job_ends_Cancelled_stops_its_container_and_removes_the_service()
    {
        await _http.CreatePoolAsync(_pool, "docker-swarm");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var run = await _http.RunAsync(_pool, "sh -c 'echo sleeping; sleep 300'", docker: false);
        var running = await _http.WaitForStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(async () => (await _http.OutputAsync(run.Id)).Contains("sleeping"), "the first log line");
        var serviceId = running.InfrastructureId!;
        Assert.NotEmpty(await RunningContainersOfAsync(serviceId));

        using var cancel = await _http.PostAsync($"/api/flow-runs/{run.Id}/cancel", null);
        cancel.EnsureSuccessStatusCode();

        await _http.WaitForStateAsync(run.Id, FlowRunState.Cancelled);
        Assert.False(await ServiceExistsAsync(serviceId));
        Assert.Empty(await RunningContainersOfAsync(serviceId));
        await Wait.UntilAsync(() => worker.Processor.ActiveRuns.Count == 0, "the slot to be free");
    }

    [Fact]
    public async Task A_job_no_node_can_take_says_why_it_waits_and_can_be_cancelled()
    {
        await _http.CreatePoolAsync(_pool, "docker-swarm");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var run = await _http.RunAsync(_pool, "echo never", new JsonObject { ["constraints"] = new JsonArray("node.labels.console-test-absent==yes") }, docker: false);
        var running = await _http.WaitForStateAsync(run.Id, FlowRunState.Running);

        await Wait.UntilAsync(async () => (await _http.LogsAsync(run.Id)).Any(l => l.Stream == "worker" && l.Message.Contains("Waiting for a Swarm node", StringComparison.Ordinal)),
            "the worker to say why the job waits");
        using var cancel = await _http.PostAsync($"/api/flow-runs/{run.Id}/cancel", null);
        cancel.EnsureSuccessStatusCode();

        await _http.WaitForStateAsync(run.Id, FlowRunState.Cancelled);
        Assert.False(await ServiceExistsAsync(running.InfrastructureId!));
        Assert.Empty(await _http.OutputAsync(run.Id));
    }

    [Fact]
    public async Task A_restarted_worker_adopts_its_job_service_and_reports_its_end_without_duplicate_logs()
    {
        await _http.CreatePoolAsync(_pool, "docker-swarm");
        var folder = TempFolder();
        var run = await _http.RunAsync(_pool, "sh -c 'echo before; echo warned >&2; while [ ! -e /m/go ]; do sleep 0.1; done; echo after'",
            new JsonObject { ["volumes"] = new JsonArray($"{folder.FullName}:/m:ro") }, docker: false);

        var first = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var running = await _http.WaitForStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(async () => (await _http.OutputAsync(run.Id)).Contains("warned"), "the first lines");
        await first.DisposeAsync(); // the worker goes away; its service does not

        var serviceId = running.InfrastructureId!;
        Assert.True(await ServiceExistsAsync(serviceId));
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "go"), "go"); // the flow finishes while no worker watches it
        await Wait.UntilAsync(async () => (await TaskStatesAsync(serviceId)).Contains(TaskState.Complete), "the job's task to complete");

        await using var second = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var done = await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);

        Assert.Equal(serviceId, done.InfrastructureId);
        var logs = await _http.LogsAsync(run.Id);
        Assert.Equal(["before", "after"], logs.Where(l => l.Stream == "stdout").Select(l => l.Message));
        Assert.Equal(["warned"], logs.Where(l => l.Stream == "stderr").Select(l => l.Message));
        Assert.Contains(logs, l => l.Stream == "worker" && l.Message.StartsWith("Worker took over Swarm service", StringComparison.Ordinal));
        await Wait.UntilAsync(async () => !await ServiceExistsAsync(serviceId), "the adopted service to be removed");
    }

    public void Dispose()
    {
        RemoveServicesOf(_docker, _worker);
        foreach (var network in _networks)
        {
            try
            {
                _docker.Networks.DeleteNetworkAsync(network).GetAwaiter().GetResult();
            }
            catch (DockerApiException)
            {
                // still held by a task Swarm is removing: the network is uniquely named and harmless
            }
        }

        foreach (var folder in _folders)
        {
            folder.Delete(recursive: true);
        }

        _docker.Dispose();
        _http.Dispose();
    }

    private static void RemoveServicesOf(DockerClient docker, string worker)
    {
        var leftovers = docker.Swarm.ListServicesAsync(new ServicesListParameters
        {
            Filters = new ServiceFilter { Label = [$"{DockerLabels.Worker}={worker}"] },
        }).GetAwaiter().GetResult();
        foreach (var service in leftovers)
        {
            try
            {
                docker.Swarm.RemoveServiceAsync(service.ID).GetAwaiter().GetResult();
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                // the worker's cleanup got there first
            }
        }

        WorkerEndToEndTests.RemoveContainersOf(docker, worker); // exited task containers Docker 20.10 keeps (moby/moby#42789)
    }

    private DirectoryInfo TempFolder()
    {
        var folder = Directory.CreateTempSubdirectory("console-swarm-");
        _folders.Add(folder);
        return folder;
    }

    private async Task<bool> ServiceExistsAsync(string id)
    {
        try
        {
            await _docker.Swarm.InspectServiceAsync(id);
            return true;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<IReadOnlyList<TaskState>> TaskStatesAsync(string serviceId)
    {
        var tasks = await _docker.Tasks.ListAsync(new TasksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = new Dictionary<string, bool> { [serviceId] = true } },
        });
        return [.. tasks.Select(t => t.Status.State)];
    }

    private async Task<IList<ContainerListResponse>> RunningContainersOfAsync(string serviceId) =>
        await _docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"com.docker.swarm.service.id={serviceId}"] = true },
            },
        });
}

using System.Globalization;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Docker.DotNet;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

/// <summary>
/// The worker enforces its deployment's <c>timeoutSeconds</c>: a real process or container that
/// outlives it is stopped (grace period, then kill), the run ends TimedOut, and the slot is free.
/// </summary>
public sealed class RunTimeoutTests : IClassFixture<ConsoleServer>, IDisposable
{
    private readonly ConsoleServer _server;
    private readonly HttpClient _http;
    private readonly DockerClient _docker = DockerClient();
    private readonly string _pool = "timeout-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _worker = "w-" + Guid.NewGuid().ToString("N")[..10];

    public RunTimeoutTests(ConsoleServer server)
    {
        _server = server;
        _http = server.CreateHttpClient();
    }

    [Fact]
    public async Task A_process_run_longer_than_its_timeout_ends_TimedOut_within_seconds_and_its_process_tree_is_gone()
    {
        var folder = Directory.CreateTempSubdirectory("console-timeout-");
        var pids = Path.Combine(folder.FullName, "pids");
        await _http.CreatePoolAsync(_pool, "process");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        // The shell ignores SIGTERM and its child sleeps: only the kill after the grace period ends them.
        var run = await RunWithTimeoutAsync($"sh -c 'trap \"\" TERM; sleep 60 & echo \"$$ $!\" > {pids}; echo started; wait'", docker: false);

        var running = await _http.WaitForStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(() => File.Exists(pids) && File.ReadAllText(pids).Trim().Contains(' ', StringComparison.Ordinal), "the flow's pid file");
        var tree = File.ReadAllText(pids).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();

        var ended = await _http.WaitForStateAsync(run.Id, FlowRunState.TimedOut, timeoutSeconds: 20);

        Assert.InRange((ended.EndedAt!.Value - running.StartedAt!.Value).TotalSeconds, 2, 15);
        Assert.Contains("2 s", ended.StateMessage, StringComparison.Ordinal);
        foreach (var pid in tree)
        {
            await Wait.UntilAsync(() => !Directory.Exists($"/proc/{pid}"), $"process {pid} of the run to be gone", 10);
        }

        var logs = await _http.LogsAsync(run.Id);
        Assert.Contains(logs, l => l.Stream == "worker" && l.Message.StartsWith("Timed out", StringComparison.Ordinal));
        Assert.All(logs, l => Assert.Equal(1, l.Attempt));
        await Wait.UntilAsync(() => worker.Processor.ActiveRuns.Count == 0, "the slot to be free");
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task A_docker_run_longer_than_its_timeout_ends_TimedOut_within_seconds_and_its_container_is_gone()
    {
        TestEnvironment.RequireDocker();
        await _http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var run = await RunWithTimeoutAsync("sh -c 'echo started; sleep 60'", docker: true);

        var running = await _http.WaitForStateAsync(run.Id, FlowRunState.Running);
        Assert.True((await _docker.Containers.InspectContainerAsync(running.InfrastructureId!)).State.Running);

        var ended = await _http.WaitForStateAsync(run.Id, FlowRunState.TimedOut, timeoutSeconds: 20);

        Assert.InRange((ended.EndedAt!.Value - running.StartedAt!.Value).TotalSeconds, 2, 15);
        Assert.Contains("Timed out", ended.StateMessage, StringComparison.Ordinal);
        await Wait.UntilAsync(async () => !await _docker.ContainerExistsAsync(running.InfrastructureId!), "the container to be removed", 15);
        await Wait.UntilAsync(() => worker.Processor.ActiveRuns.Count == 0, "the slot to be free");
    }

    [Fact]
    public async Task A_run_that_ends_before_its_timeout_completes()
    {
        await _http.CreatePoolAsync(_pool, "process");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var run = await RunWithTimeoutAsync("sh -c 'echo quick'", docker: false);

        var done = await _http.WaitForStateAsync(run.Id, FlowRunState.Completed);

        Assert.Equal(["quick"], await _http.OutputAsync(done.Id));
    }

    public void Dispose()
    {
        _http.Dispose();
        _docker.Dispose();
    }

    /// <summary>A deployment with <c>timeoutSeconds: 2</c> and one run of it; the claim carries the timeout to the worker.</summary>
    private async Task<FlowRunDto> RunWithTimeoutAsync(string command, bool docker)
    {
        var variables = docker ? new System.Text.Json.Nodes.JsonObject { ["image_pull_policy"] = "Never" } : null;
        var deployment = await _http.CreateDeploymentAsync(_pool, "flow-" + Guid.NewGuid().ToString("N")[..8], "dep", variables, command);
        var updated = await _http.UpdateDeploymentAsync(deployment.Id, new System.Text.Json.Nodes.JsonObject { ["timeoutSeconds"] = 2 });
        Assert.Equal(2, updated.TimeoutSeconds);
        return await _http.CreateRunAsync(deployment.Id);
    }
}

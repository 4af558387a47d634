using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Docker.DotNet;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

/// <summary>R3: the server restarts while a run executes; the worker keeps the container and delivers what it buffered.</summary>
public sealed class ServerRestartTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("console-restart-");
    private readonly DockerClient _docker = DockerClient();
    private readonly string _pool = "restart-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _worker = "w-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Reports_and_logs_made_while_the_server_is_down_arrive_after_it_is_back_exactly_once()
    {
        TestEnvironment.RequireDocker();
        var database = Path.Combine(_folder.FullName, "console.db");
        var port = FreePort.Next();
        var marker = Path.Combine(_folder.FullName, "go");
        var server = new RestartableServer(database, port);
        using var http = server.CreateHttpClient();
        await http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, _pool, _worker);
        var run = await http.RunAsync(_pool, "sh -c 'echo one; while [ ! -e /m/go ]; do sleep 0.1; done; echo two; echo three >&2'",
            new System.Text.Json.Nodes.JsonObject { ["volumes"] = new System.Text.Json.Nodes.JsonArray($"{_folder.FullName}:/m:ro") });
        var running = await http.WaitForStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(async () => (await http.OutputAsync(run.Id)).Contains("one"), "the first line");

        await server.DisposeAsync(); // the server goes down mid-run
        await File.WriteAllTextAsync(marker, "go");
        await Wait.UntilAsync(async () => !(await _docker.Containers.InspectContainerAsync(running.InfrastructureId)).State.Running,
            "the container to finish while the server is down");

        await using var restarted = new RestartableServer(database, port);
        var done = await http.WaitForStateAsync(run.Id, FlowRunState.Completed);

        var logs = await http.LogsAsync(run.Id);
        Assert.Equal(0, done.ExitCode);
        Assert.Equal(["one", "two"], logs.Where(l => l.Stream == "stdout").Select(l => l.Message));
        Assert.Equal(["three"], logs.Where(l => l.Stream == "stderr").Select(l => l.Message));
    }

    public void Dispose()
    {
        WorkerEndToEndTests.RemoveContainersOf(_docker, _worker);
        _docker.Dispose();
        DatabaseFiles.DeleteFolder(_folder.FullName);
    }
}

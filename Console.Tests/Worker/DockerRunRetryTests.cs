using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;

namespace Console.Tests.Worker;

/// <summary>
/// Retries on a docker pool (docs/reliability.md, "Retries"): a real server, a real worker and
/// real containers of the test image; each attempt is a new container and keeps its own logs.
/// </summary>
public sealed class DockerRunRetryTests : IClassFixture<ConsoleServer>, IDisposable
{
    private readonly ConsoleServer _server;
    private readonly HttpClient _http;
    private readonly string _pool = "retry-docker-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _worker = "w-" + Guid.NewGuid().ToString("N")[..10];
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("console-docker-retry-");

    public DockerRunRetryTests(ConsoleServer server)
    {
        _server = server;
        _http = server.CreateHttpClient();
        // The container's user may not be ours: it must be able to leave its marker.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_folder.FullName, (UnixFileMode)0b111_111_111);
        }
    }

    [Fact]
    public async Task A_container_that_exits_3_with_two_retries_ends_Failed_after_three_attempts_with_each_attempts_logs()
    {
        TestEnvironment.RequireDocker();
        await _http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        var deployment = await CreateAsync("sh -c 'echo trying; echo oops >&2; exit 3'", new RetryPolicyDto { MaxRetries = 2, DelaySeconds = 1 });
        var run = await _http.CreateRunAsync(deployment.Id);

        var failed = await _http.WaitForStateAsync(run.Id, FlowRunState.Failed, 120);
        Assert.Equal((3, 3, 3), (failed.Attempt, failed.MaxAttempts, failed.ExitCode));
        var history = await _http.HistoryAsync(run.Id);
        Assert.Equal([1, 2, 3], history.Where(h => h.State == FlowRunState.Failed).Select(h => h.Attempt));
        Assert.Equal([2, 3], history.Where(h => h.State == FlowRunState.AwaitingRetry).Select(h => h.Attempt));
        var output = (await _http.LogsAsync(run.Id)).Where(l => l.Stream != "worker")
            .GroupBy(l => l.Attempt).ToDictionary(g => g.Key, g => g.Select(l => l.Message).Order(StringComparer.Ordinal).ToList());
        Assert.Equal([1, 2, 3], output.Keys.Order());
        Assert.All(output.Values, messages => Assert.Equal(["oops", "trying"], messages));
    }

    [Fact]
    public async Task A_container_that_fails_once_then_succeeds_ends_Completed_on_attempt_2()
    {
        TestEnvironment.RequireDocker();
        await _http.CreatePoolAsync(_pool, "docker");
        await using var worker = await WorkerHost.StartAsync(_server.BaseUrl, _pool, _worker);
        // The marker outlives attempt 1's container in a folder bind-mounted into every attempt's.
        var deployment = await CreateAsync(
            "sh -c 'if [ -e /m/failed-once ]; then echo second time lucky; exit 0; fi; touch /m/failed-once; echo first try fails; exit 1'",
            new RetryPolicyDto { MaxRetries = 3, DelaySeconds = 0 },
            new JsonObject { ["volumes"] = new JsonArray($"{_folder.FullName}:/m") });
        var run = await _http.CreateRunAsync(deployment.Id);

        var done = await _http.WaitForStateAsync(run.Id, FlowRunState.Completed, 120);
        Assert.Equal((2, 4, 0), (done.Attempt, done.MaxAttempts, done.ExitCode));
        Assert.True(File.Exists(Path.Combine(_folder.FullName, "failed-once")), "attempt 1's container left no marker");
        var output = (await _http.LogsAsync(run.Id)).Where(l => l.Stream != "worker").Select(l => (l.Attempt, l.Message)).ToList();
        Assert.Equal([(1, "first try fails"), (2, "second time lucky")], output);
    }

    public void Dispose()
    {
        _http.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // A marker the container's user made: the temp folder's cleaner takes it.
        }
    }

    private Task<DeploymentDto> CreateAsync(string command, RetryPolicyDto retries, JsonObject? variables = null)
    {
        variables ??= [];
        variables["image_pull_policy"] = "Never";
        return _http.CreateDeploymentAsync(new CreateDeploymentRequest
        {
            FlowName = "flow-" + Guid.NewGuid().ToString("N")[..8],
            Name = "dep",
            Entrypoint = "flow.sh",
            Command = command,
            WorkPoolName = _pool,
            JobVariables = variables,
            Retries = retries,
        });
    }
}

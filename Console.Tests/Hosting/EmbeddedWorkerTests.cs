using System.Net;
using System.Net.Sockets;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Web.Hosting;
using Microsoft.AspNetCore.Hosting;

namespace Console.Tests.Hosting;

/// <summary>
/// The first README command's promise: the console runs its own worker for the pools in
/// Worker:Pools, creating a missing pool, and it runs flows over loopback HTTP like any worker.
/// </summary>
public sealed class EmbeddedWorkerTests : IClassFixture<EmbeddedWorkerTests.ConsoleWithWorker>
{
    private readonly ConsoleWithWorker _server;

    public EmbeddedWorkerTests(ConsoleWithWorker server) => _server = server;

    [Fact]
    public async Task The_embedded_worker_creates_its_pool_and_runs_a_flow_to_completion()
    {
        using var client = _server.CreateHttpClient();
        var pool = await Wait.ForAsync(async () =>
        {
            var response = await client.GetAsync("/api/work-pools/embedded-pool");
            return response.StatusCode == HttpStatusCode.OK ? await response.ReadAsync<WorkPoolDto>() : null;
        }, 60);
        Assert.Equal("process", pool.Type);
        await Wait.ForAsync(async () => (await client.GetFromJson<List<WorkerDto>>("/api/work-pools/embedded-pool/workers"))
            .FirstOrDefault(w => w.Status == WorkerStatus.Online), 60);

        var deployment = await (await client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = "embedded", Name = "hello", Entrypoint = "inline", Command = "sh -c 'echo hello from $CONSOLE_FLOW_NAME'",
            WorkPoolName = "embedded-pool",
        })).ReadAsync<DeploymentDto>();
        var run = await (await client.PostJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest())).ReadAsync<FlowRunDto>();

        var done = await Wait.ForAsync(async () =>
        {
            var current = await client.GetFromJson<FlowRunDto>($"/api/flow-runs/{run.Id}");
            return current.State.IsTerminal() ? current : null;
        }, 60);
        Assert.Equal(FlowRunState.Completed, done.State);
        var logs = await Wait.ForAsync(async () =>
        {
            var lines = await client.GetFromJson<List<LogLineDto>>($"/api/flow-runs/{run.Id}/logs");
            return lines.Any(l => l.Message.Contains("hello from embedded", StringComparison.Ordinal)) ? lines : null;
        }, 60);
        Assert.Contains(logs, l => l.Stream == "stdout");
    }

    [Theory]
    [InlineData(null, "http://localhost:5000")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080")]
    [InlineData("https://+:443;http://*:8080", "http://127.0.0.1:8080")]
    [InlineData("http://[::]:5001/", "http://127.0.0.1:5001")]
    public void The_worker_calls_the_console_on_its_own_loopback_address(string? urls, string expected) =>
        Assert.Equal(expected, EmbeddedWorker.LoopbackAddress(urls));

    /// <summary>The real app on a fixed free loopback port with its embedded worker on.</summary>
    public sealed class ConsoleWithWorker : ApiFactory
    {
        private readonly int _port = FreePort.Next();
        private readonly string _state = Path.Combine(Path.GetTempPath(), "console-tests", Guid.NewGuid().ToString("N"), "worker");

        public ConsoleWithWorker()
        {
            UseKestrel(_port);
            StartServer();
        }

        public HttpClient CreateHttpClient() => new() { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{_port}",
            ["Worker:Enabled"] = "true",
            ["Worker:Pools:0"] = "embedded-pool",
            ["Worker:StateDirectory"] = _state,
        };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseUrls($"http://127.0.0.1:{_port}");
        }

    }
}

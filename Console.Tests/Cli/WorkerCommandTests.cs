using Console.Cli.Hosting;
using Console.Cli.Workers;
using Console.Contracts;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class WorkerCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    [Fact]
    public async Task Start_passes_every_option_to_the_worker_library()
    {
        var runner = new RecordingRunner();
        _cli.Services = services => services.AddSingleton<IWorkerRunner>(runner);
        _cli.Environment[CliEnvironment.ApiKeyVariable] = "secret-key";

        var result = await _cli.RunAsync("worker", "start", "--pool", "my-docker-pool", "--name", "w1",
            "--work-queue", "critical", "--work-queue", "default", "--limit", "4", "--type", "docker");

        Assert.True(result.ExitCode == 0, result.ToString());
        var settings = runner.Settings!;
        Assert.Equal("true", settings["Worker:Enabled"]);
        Assert.Equal("my-docker-pool", settings["Worker:Pools:0"]);
        Assert.Equal("w1", settings["Worker:Name"]);
        Assert.Equal("critical", settings["Worker:Queues:0"]);
        Assert.Equal("default", settings["Worker:Queues:1"]);
        Assert.Equal("4", settings["Worker:Limit"]);
        Assert.Equal("docker", settings["Worker:Type"]);
        Assert.Equal(server.BaseUrl, settings["Worker:ApiUrl"]);
        Assert.Equal("secret-key", settings["Worker:ApiKey"]);
        Assert.Contains("Worker 'w1' started for work pool 'my-docker-pool'", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_without_pool_is_a_usage_error()
    {
        var result = await _cli.RunAsync("worker", "start");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--pool is required", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_runs_a_real_worker_that_comes_online_until_cancelled()
    {
        var pool = CliHarness.Unique("live-pool");
        var name = CliHarness.Unique("cli-worker");
        using var stop = new CancellationTokenSource();
        var console = CliHarness.NewConsole();

        var running = _cli.RunAsync(console, stop.Token, "worker", "start", "--pool", pool, "--name", name, "--type", "process");
        var worker = await Wait.ForAsync(async () =>
        {
            if (running.IsCompleted)
            {
                throw new InvalidOperationException($"The worker stopped early: {await running}");
            }

            var pools = await _rest.GetJsonAsync<List<WorkPoolDto>>("/api/work-pools");
            return pools.Any(p => p.Name == pool)
                ? (await _rest.GetJsonAsync<List<WorkerDto>>($"/api/work-pools/{pool}/workers")).FirstOrDefault(w => w.Name == name && w.Status == WorkerStatus.Online)
                : null;
        }, timeoutSeconds: 60);
        await stop.CancelAsync();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(name, worker.Name);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Worker '{name}' started", result.Output, StringComparison.Ordinal);
        Assert.Contains("Worker stopped", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_seed_tutorial_end_to_end_worker_deploy_and_a_watched_run_that_completes()
    {
        var pool = CliHarness.Unique("e2e-pool");
        await _cli.RunAsync("work-pool", "create", "--type", "process", pool);
        _cli.WriteFile("repo_info.sh", "# flow: e2e_repo_info\necho \"params: $CONSOLE_FLOW_RUN_PARAMETERS\"\n");
        using var stop = new CancellationTokenSource();
        var worker = _cli.RunAsync(CliHarness.NewConsole(), stop.Token, "worker", "start", "--pool", pool);
        try
        {
            var name = CliHarness.Unique("e2e-deployment");
            var deployed = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", pool,
                "--job-variable", $"working_dir={_cli.WorkingDirectory}");
            Assert.True(deployed.ExitCode == 0, deployed.ToString());

            var run = await _cli.RunAsync("deployment", "run", $"e2e_repo_info/{name}", "--param", "repo=dotnet/runtime", "--watch")
                .WaitAsync(TimeSpan.FromSeconds(90));

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("params: {\"repo\":\"dotnet/runtime\"}", run.Output, StringComparison.Ordinal);
            Assert.Contains("is Completed", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await worker.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }

    private sealed class RecordingRunner : IWorkerRunner
    {
        public IReadOnlyDictionary<string, string?>? Settings { get; private set; }

        public Task RunAsync(IReadOnlyDictionary<string, string?> settings, Action<string> started, CancellationToken cancellationToken)
        {
            Settings = settings;
            started(settings["Worker:Name"] ?? "generated");
            return Task.CompletedTask;
        }
    }
}

using Console.Cli.Hosting;
using Console.Cli.Workers;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Core.Security;
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
        var pool = CliHarness.Unique("options-pool");
        await _rest.CreatePoolAsync(pool);
        // A real key: the CLI checks the pool with it before the worker starts.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var key = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(new CreateApiKeyRequest { Name = CliHarness.Unique("worker-key"), Role = Roles.Worker, Pools = [pool] });
            _cli.Environment[CliEnvironment.ApiKeyVariable] = key.Key;
        }

        var result = await _cli.RunAsync("worker", "start", "--pool", pool, "--name", "w1",
            "--work-queue", "critical", "--work-queue", "default", "--limit", "4", "--type", "docker");

        Assert.True(result.ExitCode == 0, result.ToString());
        var settings = runner.Settings!;
        Assert.Equal("true", settings["Worker:Enabled"]);
        Assert.Equal(pool, settings["Worker:Pools:0"]);
        Assert.Equal("w1", settings["Worker:Name"]);
        Assert.Equal("critical", settings["Worker:Queues:0"]);
        Assert.Equal("default", settings["Worker:Queues:1"]);
        Assert.Equal("4", settings["Worker:Limit"]);
        Assert.Equal("docker", settings["Worker:Type"]);
        Assert.Equal(server.BaseUrl, settings["Worker:ApiUrl"]);
        Assert.Equal(_cli.Environment[CliEnvironment.ApiKeyVariable], settings["Worker:ApiKey"]);
        Assert.Contains($"Worker 'w1' started for work pool '{pool}'", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("did not exist", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_for_a_mistyped_pool_exits_1_with_the_closest_name_and_creates_nothing()
    {
        var pool = CliHarness.Unique("typo-docker-pool");
        await _rest.CreatePoolAsync(pool, "docker");
        var typo = pool.Replace("docker", "dokcer", StringComparison.Ordinal);
        var runner = new RecordingRunner();
        _cli.Services = services => services.AddSingleton<IWorkerRunner>(runner);

        var result = await _cli.RunAsync("worker", "start", "--pool", typo);

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains($"Work pool '{typo}' does not exist", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Did you mean {pool}?", result.Output, StringComparison.Ordinal);
        Assert.Null(runner.Settings);
        var pools = await _rest.GetJsonAsync<List<WorkPoolDto>>("/api/work-pools");
        Assert.DoesNotContain(pools, p => p.Name == typo);
    }

    [Fact]
    public async Task Start_with_type_creates_a_missing_pool_and_warns()
    {
        var pool = CliHarness.Unique("typed-pool");
        var runner = new RecordingRunner();
        _cli.Services = services => services.AddSingleton<IWorkerRunner>(runner);

        var result = await _cli.RunAsync("worker", "start", "--pool", pool, "--type", "process");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Work pool '{pool}' did not exist: created it as a process pool", result.Output, StringComparison.Ordinal);
        Assert.Equal("false", runner.Settings!["Worker:CreatePoolIfMissing"]);
        var pools = await _rest.GetJsonAsync<List<WorkPoolDto>>("/api/work-pools");
        Assert.Contains(pools, p => p.Name == pool && p.Type == "process");
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
            started(settings.GetValueOrDefault("Worker:Name") ?? "generated");
            return Task.CompletedTask;
        }
    }
}

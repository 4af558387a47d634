using Console.Contracts;
using Console.Tests.Flows;
using Console.Tests.Images;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

/// <summary>
/// The README's tutorial, command by command, on a docker pool with the real engine and the real
/// examples/get-repo-info project: pool, queue, a real worker, <c>deploy</c> building the image
/// from the project, and a watched run that completes. The project is copied to a temp folder
/// with a unique image tag so parallel runs never share an image; nothing else in it changes.
/// </summary>
[Collection(CliCollection.Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync, not IAsyncDisposable")]
public sealed class TutorialTests(ConsoleServer server, LocalRegistry registry) : IClassFixture<LocalRegistry>, IAsyncLifetime
{
    private const string Deployment = "get-repo-info/my-first-deployment";
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();
    private readonly DockerKit _docker = new();
    private readonly string _tag = $"t{Guid.NewGuid():N}"[..13];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // The deployment's name is the tutorial's: the next test deploys it to its own pool.
        await _cli.RunAsync("deployment", "delete", Deployment, "--yes");
        await _docker.DisposeAsync();
        _cli.Dispose();
        _rest.Dispose();
    }

    [Fact]
    public async Task The_README_tutorial_on_a_docker_pool_builds_the_example_image_and_a_watched_run_completes()
    {
        var pool = await CreatePoolAsTheReadmeDoesAsync();
        var image = _docker.Track($"get-repo-info:{_tag}");
        CopyTheExample(build => build.Replace("tag: latest", $"tag: {_tag}", StringComparison.Ordinal));

        await WithAWorkerAsync(pool, async () =>
        {
            var deployed = await _cli.RunAsync("--no-prompt", "deploy", "-n", "my-first-deployment", "-p", pool);

            Assert.True(deployed.ExitCode == 0, deployed.ToString());
            Assert.Contains($"Built image {image}.", deployed.Output, StringComparison.Ordinal);
            Assert.Contains($"Deployment '{Deployment}' successfully created on work pool '{pool}'", deployed.Output, StringComparison.Ordinal);
            Assert.True(await _docker.ExistsAsync(image), $"deploy built {image} through the engine");
            var deployment = await _rest.GetJsonAsync<DeploymentDto>($"/api/deployments/by-name/{Deployment}");
            Assert.Equal(image, (string?)deployment.JobVariables["image"]);

            var run = await _cli.RunAsync("deployment", "run", Deployment, "--watch").WaitAsync(TimeSpan.FromSeconds(120));

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("Repository facts for /flow", run.Output, StringComparison.Ordinal);
            Assert.Contains("files:", run.Output, StringComparison.Ordinal);
            Assert.Contains("is Completed", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Pulling image", run.Output, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task The_tutorial_with_a_push_to_a_registry_has_the_worker_pull_the_image_it_runs()
    {
        var pool = await CreatePoolAsTheReadmeDoesAsync();
        var image = _docker.Track($"{registry.Address}/console-test/get-repo-info:{_tag}");
        CopyTheExample(build => build
            .Replace("image_name: get-repo-info", $"repository: {registry.Address}/console-test\n      image_name: get-repo-info", StringComparison.Ordinal)
            .Replace("tag: latest", $"tag: {_tag}", StringComparison.Ordinal)
            .Replace("push: false", "push: true", StringComparison.Ordinal));

        await WithAWorkerAsync(pool, async () =>
        {
            var deployed = await _cli.RunAsync("--no-prompt", "deploy", "-n", "my-first-deployment", "-p", pool,
                "--job-variable", "image_pull_policy=Always");

            Assert.True(deployed.ExitCode == 0, deployed.ToString());
            Assert.Contains($"Built image {image} and pushed it.", deployed.Output, StringComparison.Ordinal);
            Assert.Contains($"The push refers to repository [{registry.Address}/console-test/get-repo-info]", deployed.Output, StringComparison.Ordinal);

            // Only the registry has it now: the run can start only if the worker pulls it.
            await _docker.RemoveAsync(image);
            Assert.False(await _docker.ExistsAsync(image));

            var run = await _cli.RunAsync("deployment", "run", Deployment, "--watch").WaitAsync(TimeSpan.FromSeconds(120));

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains($"Pulling image {image}", run.Output, StringComparison.Ordinal);
            Assert.Contains("Repository facts for /flow", run.Output, StringComparison.Ordinal);
            Assert.Contains("is Completed", run.Output, StringComparison.Ordinal);
            Assert.True(await _docker.ExistsAsync(image), "the worker pulled the image");
        });
    }

    /// <summary><c>work-pool create --type docker</c>, <c>work-pool ls</c>, <c>work-queue ls --pool</c>: Not ready until a worker polls.</summary>
    private async Task<string> CreatePoolAsTheReadmeDoesAsync()
    {
        var pool = CliHarness.Unique("my-docker-pool");

        var created = await _cli.RunAsync("work-pool", "create", "--type", "docker", pool);
        var pools = await _cli.RunAsync("work-pool", "ls");
        var queues = await _cli.RunAsync("work-queue", "ls", "--pool", pool);

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains(pools.Output.Split('\n'), l => l.Contains(pool, StringComparison.Ordinal) && l.Contains("Not ready", StringComparison.Ordinal));
        var defaultQueue = Assert.Single(queues.Output.Split('\n'), l => l.Contains(" default ", StringComparison.Ordinal));
        Assert.Contains("Not ready", defaultQueue, StringComparison.Ordinal);
        return pool;
    }

    /// <summary><c>cd examples/get-repo-info</c>: the harness's working folder becomes a copy of it, console.yaml's build section edited.</summary>
    private void CopyTheExample(Func<string, string> editBuild)
    {
        using var example = TempProject.FromExample("get-repo-info");
        foreach (var file in Directory.GetFiles(example.Folder, "*", SearchOption.AllDirectories))
        {
            _cli.WriteFile(Path.GetRelativePath(example.Folder, file), File.ReadAllText(file));
        }

        var manifest = example.Read();
        var edited = editBuild(manifest);
        Assert.NotEqual(manifest, edited);
        _cli.WriteFile("console.yaml", edited);
    }

    /// <summary><c>worker start --pool P</c> in the background (a real worker); the default queue turns Ready.</summary>
    private async Task WithAWorkerAsync(string pool, Func<Task> body)
    {
        using var stop = new CancellationTokenSource();
        var console = CliHarness.NewConsole();
        var worker = _cli.RunAsync(console, stop.Token, "worker", "start", "--pool", pool);
        try
        {
            await Wait.ForAsync(async () =>
            {
                if (worker.IsCompleted)
                {
                    throw new InvalidOperationException($"The worker stopped early: {await worker}");
                }

                var queues = await _cli.RunAsync("work-queue", "ls", "--pool", pool);
                var line = queues.Output.Split('\n').FirstOrDefault(l => l.Contains(" default ", StringComparison.Ordinal));
                return line is not null && line.Contains("Ready", StringComparison.Ordinal) && !line.Contains("Not ready", StringComparison.Ordinal) ? line : null;
            }, timeoutSeconds: 60);

            await body();
        }
        finally
        {
            await stop.CancelAsync();
            await worker.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}

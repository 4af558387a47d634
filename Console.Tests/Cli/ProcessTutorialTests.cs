using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Tests.Flows;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

/// <summary>
/// The README tutorial on a process pool: <c>cx --no-prompt deploy</c> run in a copy of
/// examples/get-repo-info, a worker started elsewhere (its own folder is the test's), and a
/// watched run that completes because the deployment says where the code is: the project folder
/// (setWorkingDirectory), or, for a checkout whose branch is pushed, a clone of its remote.
/// </summary>
[Collection(CliCollection.Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync, not IAsyncDisposable")]
public sealed class ProcessTutorialTests(ConsoleServer server) : IAsyncLifetime
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();
    private readonly string _name = CliHarness.Unique("my-process-deployment");
    private GitServer? _git;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_git is not null)
        {
            await _git.DisposeAsync();
        }

        _cli.Dispose();
        _rest.Dispose();
    }

    [Fact]
    public async Task Deployed_from_a_copy_of_the_example_the_run_starts_in_the_project_folder_and_completes()
    {
        var pool = await CreatePoolAsync();
        CopyTheExample();

        var deployed = await _cli.RunAsync("--no-prompt", "deploy", "-n", _name, "-p", pool);

        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        Assert.Contains($"Runs start in this folder ({_cli.WorkingDirectory})", deployed.Output, StringComparison.Ordinal);
        var deployment = await _rest.GetJsonAsync<DeploymentDto>($"/api/deployments/by-name/get-repo-info/{_name}");
        Assert.Equal(_cli.WorkingDirectory, Assert.Single(deployment.PullSteps).SetWorkingDirectory?.Directory);

        var run = await WatchedRunAsync(pool);
        Assert.Contains($"Repository facts for {_cli.WorkingDirectory}", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deployed_from_a_pushed_git_checkout_the_run_clones_its_remote_and_records_the_commit()
    {
        var pool = await CreatePoolAsync();
        CopyTheExample();
        _git = await GitServer.StartAsync();
        var bare = await _git.CreateAsync("get-repo-info", new Dictionary<string, string> { ["README.md"] = "placeholder" });
        var folder = _cli.WorkingDirectory;
        await GitServer.GitAsync(folder, "init", "--quiet", "--initial-branch=main");
        await GitServer.GitAsync(folder, "add", "--all");
        await GitServer.GitAsync(folder, "-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "--quiet", "-m", "the example");
        await GitServer.GitAsync(folder, "remote", "add", "origin", _git.Url("get-repo-info"));
        await GitServer.GitAsync(folder, "push", "--quiet", "--force", Path.Combine(_git.Served, "get-repo-info.git"), "main:main");
        await GitServer.GitAsync(folder, "fetch", "--quiet", "origin");
        var head = (await GitServer.GitAsync(folder, "rev-parse", "HEAD")).Trim();
        Assert.NotEqual(bare, head);

        var deployed = await _cli.RunAsync("--no-prompt", "deploy", "-n", _name, "-p", pool);

        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        Assert.Contains($"Runs clone {_git.Url("get-repo-info")} (branch main)", deployed.Output, StringComparison.Ordinal);
        var deployment = await _rest.GetJsonAsync<DeploymentDto>($"/api/deployments/by-name/get-repo-info/{_name}");
        Assert.Equal(new GitCloneStep { Repository = _git.Url("get-repo-info"), Branch = "main" }, Assert.Single(deployment.PullSteps).GitClone);

        var run = await WatchedRunAsync(pool);
        Assert.Contains("Repository facts for ", run.Output, StringComparison.Ordinal);
        Assert.Contains(head[..7], run.Output, StringComparison.Ordinal);
        var runs = await _rest.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}");
        Assert.Equal(head, Assert.Single(runs).CodeRevision);
    }

    [Fact]
    public async Task A_checkout_whose_remote_is_a_local_or_relative_path_or_whose_tree_is_dirty_runs_from_the_folder()
    {
        var pool = await CreatePoolAsync();
        CopyTheExample();
        var folder = _cli.WorkingDirectory;
        var elsewhere = Directory.CreateTempSubdirectory("console-local-remote-");
        try
        {
            await GitServer.GitAsync(null, "init", "--bare", "--quiet", "--initial-branch=main", elsewhere.FullName);
            await GitServer.GitAsync(folder, "init", "--quiet", "--initial-branch=main");
            await GitServer.GitAsync(folder, "add", "--all");
            await GitServer.GitAsync(folder, "-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "--quiet", "-m", "the example");
            await GitServer.GitAsync(folder, "remote", "add", "origin", elsewhere.FullName);
            await GitServer.GitAsync(folder, "push", "--quiet", "origin", "main");

            // Pushed, but to a path on this machine, then to a relative one: never offered as a clone.
            foreach (var remote in new[] { elsewhere.FullName, "../" + elsewhere.Name })
            {
                await GitServer.GitAsync(folder, "remote", "set-url", "origin", remote);
                var name = CliHarness.Unique("local-remote");
                var deployed = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", pool);
                Assert.True(deployed.ExitCode == 0, deployed.ToString());
                Assert.Contains($"Runs start in this folder ({folder}): its git remote '{remote}' is a path on this machine", Flat(deployed.Output), StringComparison.Ordinal);
                var deployment = await _rest.GetJsonAsync<DeploymentDto>($"/api/deployments/by-name/get-repo-info/{name}");
                Assert.Equal(folder, Assert.Single(deployment.PullSteps).SetWorkingDirectory?.Directory);
            }

            // An address workers can clone, the branch pushed, but an uncommitted change: not what a clone runs.
            _git = await GitServer.StartAsync();
            await _git.CreateAsync("dirty", new Dictionary<string, string> { ["README.md"] = "placeholder" });
            await GitServer.GitAsync(folder, "remote", "set-url", "origin", _git.Url("dirty"));
            await GitServer.GitAsync(folder, "push", "--quiet", "--force", Path.Combine(_git.Served, "dirty.git"), "main:main");
            await GitServer.GitAsync(folder, "fetch", "--quiet", "origin");
            _cli.WriteFile("get_repo_info.sh", File.ReadAllText(Path.Combine(folder, "get_repo_info.sh")) + "# edited, not committed\n");
            var dirty = CliHarness.Unique("dirty");
            var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", dirty, "-p", pool);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("uncommitted changes", Flat(result.Output), StringComparison.Ordinal);
            Assert.Contains($"Runs start in this folder ({folder}), not a clone of {_git.Url("dirty")}", Flat(result.Output), StringComparison.Ordinal);
            var saved = await _rest.GetJsonAsync<DeploymentDto>($"/api/deployments/by-name/get-repo-info/{dirty}");
            Assert.Equal(folder, Assert.Single(saved.PullSteps).SetWorkingDirectory?.Directory);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    // The console wraps long messages; the words are what matter.
    private static string Flat(string output) => string.Join(' ', output.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));

    private async Task<string> CreatePoolAsync()
    {
        var pool = CliHarness.Unique("my-process-pool");
        var created = await _cli.RunAsync("work-pool", "create", "--type", "process", pool);
        Assert.True(created.ExitCode == 0, created.ToString());
        return pool;
    }

    /// <summary><c>cd examples/get-repo-info</c>, as a copy.</summary>
    private void CopyTheExample()
    {
        using var example = TempProject.FromExample("get-repo-info");
        foreach (var file in Directory.GetFiles(example.Folder, "*", SearchOption.AllDirectories))
        {
            _cli.WriteFile(Path.GetRelativePath(example.Folder, file), File.ReadAllText(file));
        }
    }

    /// <summary>A real worker (<c>worker start</c>, running in the test's own folder, not the project's) and <c>deployment run --watch</c>.</summary>
    private async Task<CliResult> WatchedRunAsync(string pool)
    {
        using var stop = new CancellationTokenSource();
        var worker = _cli.RunAsync(CliHarness.NewConsole(), stop.Token, "worker", "start", "--pool", pool);
        try
        {
            var run = await _cli.RunAsync("deployment", "run", $"get-repo-info/{_name}", "--watch").WaitAsync(TimeSpan.FromSeconds(120));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("is Completed", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("cannot open get_repo_info.sh", run.Output, StringComparison.Ordinal);
            return run;
        }
        finally
        {
            await stop.CancelAsync();
            await worker.WaitAsync(TimeSpan.FromSeconds(60));
            await _cli.RunAsync("deployment", "delete", $"get-repo-info/{_name}", "--yes");
        }
    }
}

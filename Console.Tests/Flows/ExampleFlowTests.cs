using System.Diagnostics;

namespace Console.Tests.Flows;

/// <summary>
/// The example flows run as a worker runs them: busybox sh with only the applets of the test
/// image on PATH (no git, no jq, no GNU tools), and the C# file-based app through dotnet run.
/// </summary>
public sealed class ExampleFlowTests : IDisposable
{
    private const string Busybox = "/bin/busybox";

    // The applets of console-test/busybox:latest (scripts/test-env.sh), so the scripts meet the same tools.
    private static readonly string[] ImageApplets =
        ["sh", "echo", "cat", "sed", "grep", "tr", "cut", "head", "tail", "wc", "ls", "pwd", "test", "[", "printf", "env", "sleep", "true", "false", "awk", "sort", "uniq", "seq"];

    private readonly TempProject _project = TempProject.FromExample("get-repo-info");
    private readonly TempProject _repo = new();
    private readonly string _busyboxPath = Directory.CreateTempSubdirectory("console-busybox-").FullName;

    public ExampleFlowTests()
    {
        if (!File.Exists(Busybox))
        {
            throw new InvalidOperationException($"{Busybox} not found: run scripts/test.sh, which installs the Debian package 'busybox-static'.");
        }

        foreach (var applet in ImageApplets)
        {
            File.CreateSymbolicLink(Path.Combine(_busyboxPath, applet), Busybox);
        }
    }

    public void Dispose()
    {
        _project.Dispose();
        _repo.Dispose();
        Directory.Delete(_busyboxPath, recursive: true);
    }

    [Fact]
    public async Task Get_repo_info_reports_a_git_repository_through_git()
    {
        await MakeRepositoryAsync(commits: 3);

        var run = await RunAsync(Path.Combine(_project.Folder, "get_repo_info.sh"), $$"""{"repo_path": "{{_repo.Folder}}"}""", withGit: true);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"Repository facts for {_repo.Folder}", run.Stdout);
        Assert.Contains("git repository: yes", run.Stdout);
        Assert.Contains("current branch: trunk", run.Stdout);
        Assert.Matches(@"head commit:\s+[0-9a-f]{12}", run.Stdout);
        Assert.Matches(@"commits:\s+3\n", run.Stdout);
        Assert.Matches(@"branches:\s+1\n", run.Stdout);
        Assert.Matches(@"files:\s+4 \(not counting \.git\)", run.Stdout);
    }

    [Fact]
    public async Task Get_repo_info_reads_the_git_files_when_git_is_not_installed()
    {
        await MakeRepositoryAsync(commits: 2);
        Directory.CreateDirectory(Path.Combine(_repo.Folder, "src", "deep"));
        await File.WriteAllTextAsync(Path.Combine(_repo.Folder, "src", "deep", ".hidden"), "x");

        var run = await RunAsync(Path.Combine(_project.Folder, "get_repo_info.sh"), $$"""{"repo_path":"{{_repo.Folder}}/src"}""", withGit: false);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"repository:     {_repo.Folder} (the folder is inside it)", run.Stdout);
        Assert.Contains("current branch: trunk", run.Stdout);
        Assert.Contains("commits:        2 recorded in the branch's reflog (git is not installed here)", run.Stdout);
        Assert.Contains("last change:    commit: change 2", run.Stdout);
        Assert.Matches(@"files:\s+1 \(not counting \.git\)", run.Stdout);
    }

    [Fact]
    public async Task Get_repo_info_without_parameters_reports_on_its_own_folder()
    {
        var run = await RunAsync(Path.Combine(_project.Folder, "get_repo_info.sh"), parameters: null, withGit: false);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("No repo_path parameter: reporting on the flow project itself.", run.Stdout);
        Assert.Contains($"Repository facts for {_project.Folder}", run.Stdout);
        Assert.Contains("git repository: no", run.Stdout);
        Assert.Matches(@"files:\s+3 \(not counting \.git\)", run.Stdout);
    }

    [Fact]
    public async Task Get_repo_info_fails_with_a_message_for_a_missing_folder()
    {
        var run = await RunAsync(Path.Combine(_project.Folder, "get_repo_info.sh"), """{"repo_path": "/no/such/folder"}""", withGit: false);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("repo_path '/no/such/folder' is not a folder on this machine.", run.Stderr);
    }

    [Theory]
    [InlineData(null, "Hello, world! (1/1)\n")]
    [InlineData("""{"name": "Ada", "count": 3}""", "Hello, Ada! (1/3)\nHello, Ada! (2/3)\nHello, Ada! (3/3)\n")]
    [InlineData("""{"count":"2","name":"Bo"}""", "Hello, Bo! (1/2)\nHello, Bo! (2/2)\n")]
    public async Task Hello_greets_with_its_parameters(string? parameters, string expected)
    {
        var run = await RunAsync(Path.Combine(Repository.Example("hello-params"), "hello.sh"), parameters, withGit: false);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, run.Stdout);
    }

    [Fact]
    public async Task Hello_refuses_a_count_that_is_not_a_number()
    {
        var run = await RunAsync(Path.Combine(Repository.Example("hello-params"), "hello.sh"), """{"count": "many"}""", withGit: false);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("count must be a whole number from 1 to 100, not 'many'.", run.Stderr);
    }

    [Fact]
    public async Task Hello_csharp_runs_with_dotnet_run_and_greets_with_its_parameters()
    {
        var folder = Repository.Example("hello-params");

        var run = await ProcessAsync("dotnet", ["run", "hello.cs"], folder, new()
        {
            ["CONSOLE_FLOW_RUN_PARAMETERS"] = """{"name": "Grace", "count": 2}""",
            ["CONSOLE_FLOW_RUN_ID"] = "run-42",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        }, TimeSpan.FromMinutes(4));

        Assert.True(run.ExitCode == 0, $"dotnet run hello.cs exited with {run.ExitCode}:\n{run.Stdout}\n{run.Stderr}");
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Flow run run-42.", lines[^3]);
        Assert.StartsWith("Hello, Grace! (1/2) from C# 10.", lines[^2]);
        Assert.StartsWith("Hello, Grace! (2/2) from C# 10.", lines[^1]);
    }

    private async Task MakeRepositoryAsync(int commits)
    {
        await GitAsync("init", "-q", "-b", "trunk");
        for (var i = 1; i <= commits; i++)
        {
            _repo.With($"file{i}.txt", $"{i}\n");
            await GitAsync("add", ".");
            await GitAsync("-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", $"change {i}");
        }

        _repo.With("untracked.txt", "x\n");
    }

    private async Task GitAsync(params string[] args)
    {
        var run = await ProcessAsync("git", args, _repo.Folder, new() { ["GIT_CONFIG_NOSYSTEM"] = "1", ["HOME"] = _repo.Folder }, TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, $"git {string.Join(' ', args)}: {run.Stderr}");
    }

    private Task<ProcessRun> RunAsync(string script, string? parameters, bool withGit)
    {
        var env = new Dictionary<string, string?>
        {
            ["PATH"] = withGit ? $"{_busyboxPath}:/usr/bin:/bin" : _busyboxPath,
            ["CONSOLE_FLOW_RUN_PARAMETERS"] = parameters,
        };
        return ProcessAsync(Busybox, ["sh", script], Path.GetTempPath(), env, TimeSpan.FromSeconds(30));
    }

    private static async Task<ProcessRun> ProcessAsync(string file, string[] args, string workingDirectory, Dictionary<string, string?> env, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("CONSOLE_FLOW_RUN_PARAMETERS");
        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}.");
        }

        return new ProcessRun(process.ExitCode, await stdout, await stderr);
    }

    private sealed record ProcessRun(int ExitCode, string Stdout, string Stderr);
}

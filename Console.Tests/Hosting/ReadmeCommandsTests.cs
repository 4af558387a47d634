using System.Text.RegularExpressions;
using Console.Tests.Flows;

namespace Console.Tests.Hosting;

/// <summary>
/// The README's shell blocks, read from README.md and run with bash against the console that its
/// first command starts: the <c>cx</c> function (the CLI as its own process) and the curl
/// walk-through, so a README that drifts from the code fails here. The worker, deploy and run
/// steps are run in-process by Console.Tests.Cli.TutorialTests (with unique image tags).
/// </summary>
public sealed partial class ReadmeCommandsTests(ReadmeConsole console) : IClassFixture<ReadmeConsole>
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task The_tutorial_s_cx_block_creates_and_lists_the_docker_pool_and_its_not_ready_queue()
    {
        var block = Block(b => b.Contains("cx() {", StringComparison.Ordinal));
        // The CLI was built by dotnet test: --no-build, or every cx call would first check the build.
        var script = "set -eo pipefail\n" + block.Replace("dotnet run --project", "dotnet run --no-build --project", StringComparison.Ordinal);

        var (exit, stdout, stderr) = await RunAsync(script);

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}\n{console.Output}");
        Assert.Contains("Created work pool 'my-docker-pool' of type docker", stdout, StringComparison.Ordinal);
        Assert.Contains(Lines(stdout), l => l.Contains("my-docker-pool", StringComparison.Ordinal) && l.Contains("docker", StringComparison.Ordinal) && l.Contains("Not ready", StringComparison.Ordinal));
        Assert.Contains(Lines(stdout), l => l.Contains(" default ", StringComparison.Ordinal) && l.Contains("Not ready", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_curl_walk_through_runs_as_written_and_ends_with_the_run_claimed()
    {
        var block = Block(b => b.Contains("API=http://", StringComparison.Ordinal));
        Assert.Contains("API=http://127.0.0.1:5000", block, StringComparison.Ordinal);
        var prelude = """
            set -eo pipefail
            # Every request must succeed (-f), and each answer ends its own line.
            curl() { command curl -fsS "$@"; echo; }
            deployment_id() { command curl -fsS "$API/api/deployments/by-name/get-repo-info/my-first-deployment" | grep -o '"id":"[^"]*"' | head -n 1 | cut -d '"' -f 4; }

            """;
        var script = prelude + block
            .Replace("API=http://127.0.0.1:5000", $"API={console.BaseUrl}", StringComparison.Ordinal)
            .Replace("<id>", "$(deployment_id)", StringComparison.Ordinal)
            // The cx block's test creates the README's pool in the same console: this one gets its own name.
            .Replace("my-docker-pool", "curl-docker-pool", StringComparison.Ordinal);

        var (exit, stdout, stderr) = await RunAsync(script);

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}\n{console.Output}");
        // One line per answer with a body (the heartbeat's 204 has none).
        var answers = Lines(stdout);
        Assert.Equal(9, answers.Count);
        Assert.Contains("\"name\":\"curl-docker-pool\"", answers[0], StringComparison.Ordinal);
        Assert.Contains("\"defaultQueueName\":\"default\"", answers[0], StringComparison.Ordinal);
        Assert.Contains("\"name\":\"curl-docker-pool\"", answers[1], StringComparison.Ordinal);
        Assert.Contains("\"status\":\"NotReady\"", answers[2], StringComparison.Ordinal);
        Assert.Equal("[]", answers[3]);
        Assert.Contains("\"status\":\"Ready\"", answers[4], StringComparison.Ordinal);
        Assert.Contains("\"name\":\"my-first-deployment\"", answers[5], StringComparison.Ordinal);
        Assert.Contains("\"flowName\":\"get-repo-info\"", answers[6], StringComparison.Ordinal);
        Assert.Contains("\"state\":\"Scheduled\"", answers[7], StringComparison.Ordinal);
        Assert.Contains("\"state\":\"Pending\"", answers[8], StringComparison.Ordinal);
        Assert.Contains("\"workerName\":\"my-worker\"", answers[8], StringComparison.Ordinal);
    }

    // COLUMNS as a wide terminal has it: piped, the CLI's tables would wrap names at 80 columns.
    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script) =>
        Shell.BashAsync(script, Repository.Root, new Dictionary<string, string> { ["CONSOLE_API_URL"] = console.BaseUrl, ["COLUMNS"] = "200" }, ScriptTimeout);

    private static List<string> Lines(string text) => [.. text.Split('\n').Where(l => l.Trim().Length > 0)];

    /// <summary>The README's one ```bash block that <paramref name="match"/> picks.</summary>
    private static string Block(Func<string, bool> match)
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var blocks = BashBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.Single(blocks, b => match(b));
        return blocks.First(match);
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}

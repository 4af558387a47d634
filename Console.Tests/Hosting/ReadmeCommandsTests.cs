using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Console.Tests.Flows;

namespace Console.Tests.Hosting;

/// <summary>
/// The README's shell blocks, read from README.md and run with bash against the console that its
/// first command starts: the tutorial (install <c>cx</c>, pool, worker, deploy, watched run) and
/// then the curl walk-through on the same console, so a README that drifts from the code fails here.
/// </summary>
public sealed partial class ReadmeCommandsTests(ReadmeConsole console) : IClassFixture<ReadmeConsole>
{
    // The install step packs and installs the CLI (minutes on a busy machine), then an image build and a run.
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task The_tutorial_then_the_curl_section_run_as_written_on_one_console()
    {
        var home = Directory.CreateTempSubdirectory("console-readme-home-").FullName;
        try
        {
            // 1. The tutorial, literally: install cx, the pool and its red queue, a worker (the README's
            //    "third terminal": in the background here), deploy from the example folder, a watched run.
            var install = Block(b => b.Contains("scripts/install-cx.sh", StringComparison.Ordinal));
            var worker = Block(b => b.Trim() == "cx worker start --pool my-docker-pool");
            var deploy = Block(b => b.Contains("cd examples/get-repo-info", StringComparison.Ordinal));
            var tutorial = "set -eo pipefail\n" + install
                + worker.Trim() + " > \"$HOME/worker.log\" 2>&1 &\nworker=$!\n"
                // A background job of a script starts with SIGINT ignored (POSIX), so "Ctrl+C" would never
                // reach it: SIGTERM stops the worker the same graceful way.
                + "trap 'kill -TERM $worker 2>/dev/null; wait $worker || true' EXIT\n"
                + deploy;

            var (exit, stdout, stderr) = await RunAsync(tutorial, home);

            var workerLog = File.Exists(Path.Combine(home, "worker.log")) ? File.ReadAllText(Path.Combine(home, "worker.log")) : "(no worker log)";
            Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}\nworker:\n{workerLog}\nconsole:\n{console.Output}");
            Assert.True(File.Exists(Path.Combine(home, ".dotnet", "tools", "cx")), "scripts/install-cx.sh did not install the cx command");
            // On Linux the tool store holds the platform's own package (self-contained, the framework
            // trimmed: a leaner worker, ADR 0003), not the framework-dependent one.
            var store = Path.Combine(home, ".dotnet", "tools", ".store", "console.cli");
            var platform = $"console.cli.{RuntimeInformation.RuntimeIdentifier}";
            Assert.True(
                Directory.EnumerateDirectories(store, platform, SearchOption.AllDirectories).Any(),
                $"no {platform} package in the tool store: {string.Join(", ", Directory.EnumerateDirectories(store, "*", SearchOption.AllDirectories))}");
            Assert.Contains("Created work pool 'my-docker-pool' of type docker", stdout, StringComparison.Ordinal);
            Assert.Contains(Lines(stdout), l => l.Contains("my-docker-pool", StringComparison.Ordinal) && l.Contains("docker", StringComparison.Ordinal) && l.Contains("Not ready", StringComparison.Ordinal));
            Assert.Contains(Lines(stdout), l => l.Contains(" default ", StringComparison.Ordinal) && l.Contains("Not ready", StringComparison.Ordinal));
            Assert.Contains("is Completed", stdout, StringComparison.Ordinal);

            // 2. The curl section, literally, on the same console after the tutorial.
            var (curlExit, curlOut, curlErr) = await RunAsync(CurlScript(), home);

            Assert.True(curlExit == 0, $"exit {curlExit}\n{curlOut}\n{curlErr}\n{console.Output}");
            // One line per answer with a body (the heartbeat's 204 has none; two answers go into variables).
            var answers = Lines(curlOut);
            Assert.Equal(8, answers.Count);
            Assert.Contains("\"name\":\"curl-pool\"", answers[0], StringComparison.Ordinal);
            Assert.Contains("\"defaultQueueName\":\"default\"", answers[0], StringComparison.Ordinal);
            Assert.Contains("\"name\":\"curl-pool\"", answers[1], StringComparison.Ordinal);
            Assert.Contains("\"name\":\"my-docker-pool\"", answers[1], StringComparison.Ordinal);
            Assert.Contains("\"status\":\"NotReady\"", answers[2], StringComparison.Ordinal);
            Assert.Equal("[]", answers[3]);
            Assert.Contains("\"status\":\"Ready\"", answers[4], StringComparison.Ordinal);
            Assert.Contains("\"name\":\"curl-deployment\"", answers[5], StringComparison.Ordinal);
            Assert.Contains("\"state\":\"Pending\"", answers[6], StringComparison.Ordinal);
            Assert.Contains("\"workerName\":\"curl-worker\"", answers[6], StringComparison.Ordinal);
            Assert.Contains("\"state\":\"Pending\"", answers[7], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private string CurlScript()
    {
        var block = Block(b => b.Contains("API=http://", StringComparison.Ordinal));
        Assert.Contains("API=http://127.0.0.1:5000", block, StringComparison.Ordinal);
        Assert.DoesNotContain("<id>", block, StringComparison.Ordinal);
        const string prelude = """
            set -eo pipefail
            # Every request must succeed (-f), and each answer ends its own line.
            curl() { command curl -fsS "$@"; echo; }

            """;
        return prelude + block.Replace("API=http://127.0.0.1:5000", $"API={console.BaseUrl}", StringComparison.Ordinal);
    }

    /// <summary>
    /// bash in the repository root with a HOME of its own (the global tool lands in HOME/.dotnet/tools,
    /// never in the real home) and the real NuGet cache (no download of what is already there).
    /// </summary>
    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script, string home)
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Shell.BashAsync(script, Repository.Root, new Dictionary<string, string>
        {
            ["CONSOLE_API_URL"] = console.BaseUrl,
            ["HOME"] = home,
            ["NUGET_PACKAGES"] = packages,
        }, ScriptTimeout);
    }

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

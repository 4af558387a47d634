using System.Text.Json.Nodes;
using Console.Contracts.FlowRuns;
using Console.Worker.Infrastructure;
using Console.Worker.Infrastructure.Process;
using Console.Worker.Runs;
using Microsoft.Extensions.Logging.Abstractions;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

public sealed class ProcessInfrastructureTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("console-proc-");
    private readonly ProcessInfrastructure _process = new(Options(), TimeProvider.System, NullLogger<ProcessInfrastructure>.Instance);

    [Fact]
    public async Task Process_streams_output_sees_its_env_runs_in_working_dir_and_returns_the_exit_code()
    {
        var run = Run(new JsonObject { ["who"] = "me" });
        var sink = new RecordingSink();
        var config = Config("sh -c 'pwd; echo \"$CONSOLE_FLOW_RUN_ID $CONSOLE_FLOW_RUN_PARAMETERS $MY_VAR\"; echo oops >&2; exit 4'");
        config["env"] = new JsonObject { ["MY_VAR"] = "mine" };

        await using var handle = await _process.StartAsync(Spec(config, run), sink, CancellationToken.None);
        var exit = await handle.WatchAsync(CancellationToken.None).Within();

        Assert.Equal(4, exit.ExitCode);
        Assert.Equal([_folder.FullName, $"{run.Id} {{\"who\":\"me\"}} mine"], sink.Of("stdout"));
        Assert.Equal(["oops"], sink.Of("stderr"));
    }

    [Fact]
    public async Task Stop_kills_the_whole_process_tree()
    {
        var pidFile = Path.Combine(_folder.FullName, "child.pid");
        var sink = new RecordingSink();
        await using var handle = await _process.StartAsync(
            Spec(Config($"sh -c 'trap \"\" TERM; sleep 300 & echo $! > {pidFile}; wait'")), sink, CancellationToken.None);
        var watch = handle.WatchAsync(CancellationToken.None);
        await Wait.UntilAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, "the child's pid file");
        var child = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(IsAlive(child));

        await handle.StopAsync(TimeSpan.FromSeconds(1), CancellationToken.None).Within(30);
        var exit = await watch.Within(30);

        // Everyone ignored SIGTERM (the trap is inherited): only the SIGKILL after the grace period ended them.
        Assert.Equal(137, exit.ExitCode);
        await Wait.UntilAsync(() => !IsAlive(child), $"child process {child} to be gone", 10);
    }

    [Fact]
    public async Task The_cpu_of_children_counts_for_the_run_and_its_memory_is_the_trees()
    {
        // The leader only waits: the CPU is burnt by a child shell (and its own children), the run's all the same.
        var script = Path.Combine(_folder.FullName, "busy.sh");
        await File.WriteAllTextAsync(script, RunUsageTests.BusyCommand + "\n");
        await using var handle = await _process.StartAsync(Spec(Config($"sh -c 'sh {script}; echo leader done'")), new RecordingSink(), CancellationToken.None);

        var exit = await handle.WatchAsync(CancellationToken.None).Within();

        Assert.Equal(0, exit.ExitCode);
        Assert.True(exit.Usage?.CpuSeconds > 0, $"cpuSeconds {exit.Usage?.CpuSeconds}");
        Assert.True(exit.Usage?.PeakMemoryBytes > 0, $"peakMemoryBytes {exit.Usage?.PeakMemoryBytes}");
    }

    [Theory]
    [InlineData("4242 (sh) S 1 4242 4242 0 -1 4194560 100 0 0 0 30 12 5 3 20 0 1 0 99 8192000 250 18446744073709551615", "sh")]
    [InlineData("4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 30 12 5 3 20 0 1 0 99 8192000 250 18446744073709551615", "a) b (c")]
    public void A_proc_stat_line_is_read_from_after_the_last_parenthesis(string line, string comm)
    {
        var stat = ProcStatLine.Parse(line) ?? throw new Xunit.Sdk.XunitException($"'{comm}' not parsed");

        Assert.Equal(new ProcStatLine(4242, 1, 4242, 42, 8, 250), stat);
    }

    [Fact]
    public async Task Unknown_command_exits_127_and_is_a_crash()
    {
        var sink = new RecordingSink();
        await using var handle = await _process.StartAsync(Spec(Config("no-such-command-xyz")), sink, CancellationToken.None);

        var exit = await handle.WatchAsync(CancellationToken.None).Within();

        Assert.Equal(127, exit.ExitCode);
        Assert.Equal(FlowRunState.Crashed, RunOutcomes.Classify(exit).State);
    }

    [Fact]
    public async Task Missing_working_directory_or_command_fails_readably()
    {
        var noDir = await Assert.ThrowsAsync<InfrastructureException>(() =>
            _process.StartAsync(Spec(Config("echo hi", "/no/such/dir")), new RecordingSink(), CancellationToken.None));
        var noCommand = await Assert.ThrowsAsync<InfrastructureException>(() =>
            _process.StartAsync(Spec(new JsonObject { ["command"] = null }), new RecordingSink(), CancellationToken.None));

        Assert.Contains("/no/such/dir", noDir.Message);
        Assert.Contains("command", noCommand.Message);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private JsonObject Config(string command, string? workingDir = null) => new()
    {
        ["command"] = command,
        ["working_dir"] = workingDir ?? _folder.FullName,
        ["stream_output"] = true,
    };

    /// <summary>Alive and not a zombie waiting to be reaped.</summary>
    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}

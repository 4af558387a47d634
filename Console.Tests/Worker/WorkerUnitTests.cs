using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Worker;
using Console.Worker.Hosting;
using Console.Worker.Infrastructure;
using Console.Worker.Infrastructure.Docker;
using Console.Worker.Runs;

namespace Console.Tests.Worker;

public sealed class WorkerUnitTests
{
    [Theory]
    [InlineData("512m", 512L << 20)]
    [InlineData("2g", 2L << 30)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("10240k", 10L << 20)]
    [InlineData("64mb", 64L << 20)]
    [InlineData("67108864", 64L << 20)]
    public void ParseMemory_reads_docker_sizes(string text, long bytes) =>
        Assert.Equal(bytes, DockerJobConfiguration.ParseMemory(text));

    [Theory]
    [InlineData("lots")]
    [InlineData("-1g")]
    [InlineData("1k")]
    public void ParseMemory_refuses_what_is_not_a_usable_size(string text) =>
        Assert.Throws<InfrastructureException>(() => DockerJobConfiguration.ParseMemory(text));

    [Fact]
    public void Docker_configuration_reads_every_key_of_the_template()
    {
        var config = DockerJobConfiguration.Parse(new JsonObject
        {
            ["image"] = "repo/app:1",
            ["command"] = "python -m 'my flow'",
            ["env"] = new JsonObject { ["A"] = "1", ["B"] = 2 },
            ["labels"] = new JsonObject { ["team"] = "x" },
            ["volumes"] = new JsonArray("/data:/data:ro", "cache:/cache"),
            ["networks"] = new JsonArray("net-a", "net-b"),
            ["network_mode"] = null,
            ["mem_limit"] = "1g",
            ["cpus"] = 1.5,
            ["auto_remove"] = false,
            ["image_pull_policy"] = "Always",
            ["privileged"] = true,
            ["stream_output"] = false,
        });

        Assert.Equal(["python", "-m", "my flow"], config.Command);
        Assert.Equal("2", config.Env["B"]);
        Assert.Equal(["/data:/data:ro", "cache:/cache"], config.Volumes);
        Assert.Equal(["net-a", "net-b"], config.Networks);
        Assert.Equal(1L << 30, config.MemoryLimit);
        Assert.Equal(1_500_000_000L, config.NanoCpus);
        Assert.False(config.AutoRemove);
        Assert.Equal(ImagePullPolicy.Always, config.PullPolicy);
        Assert.True(config.Privileged);
        Assert.False(config.StreamOutput);
    }

    [Fact]
    public void Docker_configuration_defaults_and_readable_errors()
    {
        var defaults = DockerJobConfiguration.Parse(new JsonObject { ["image"] = "img", ["command"] = null });
        Assert.Null(defaults.Command);
        Assert.True(defaults.AutoRemove);
        Assert.Equal(ImagePullPolicy.IfNotPresent, defaults.PullPolicy);

        Assert.Contains("image", Assert.Throws<InfrastructureException>(() => DockerJobConfiguration.Parse([])).Message);
        Assert.Contains("Volume", Assert.Throws<InfrastructureException>(() =>
            DockerJobConfiguration.Parse(new JsonObject { ["image"] = "i", ["volumes"] = new JsonArray("nocolon") })).Message);
        Assert.Contains("image_pull_policy", Assert.Throws<InfrastructureException>(() =>
            DockerJobConfiguration.Parse(new JsonObject { ["image"] = "i", ["image_pull_policy"] = "Sometimes" })).Message);
    }

    [Theory]
    [InlineData("busybox", "busybox", "latest")]
    [InlineData("busybox:1.36", "busybox", "1.36")]
    [InlineData("localhost:5000/team/app", "localhost:5000/team/app", "latest")]
    [InlineData("localhost:5000/team/app:v2", "localhost:5000/team/app", "v2")]
    [InlineData("app@sha256:abc", "app@sha256:abc", null)]
    public void SplitImage_separates_the_tag_but_not_a_registry_port(string image, string repository, string? tag) =>
        Assert.Equal((repository, tag), DockerInfrastructure.SplitImage(image));

    [Theory]
    [InlineData(0, false, FlowRunState.Completed)]
    [InlineData(1, false, FlowRunState.Failed)]
    [InlineData(3, false, FlowRunState.Failed)]
    [InlineData(125, false, FlowRunState.Crashed)]
    [InlineData(126, false, FlowRunState.Crashed)]
    [InlineData(127, false, FlowRunState.Crashed)]
    [InlineData(137, false, FlowRunState.Crashed)]
    [InlineData(137, true, FlowRunState.Crashed)]
    [InlineData(null, false, FlowRunState.Crashed)]
    public void Classify_maps_exit_codes_to_end_states(int? code, bool oom, FlowRunState state)
    {
        var end = RunOutcomes.Classify(new RunExit(code, oom));
        Assert.Equal(state, end.State);
        Assert.Equal(code, end.ExitCode);
        if (state != FlowRunState.Completed)
        {
            Assert.False(string.IsNullOrWhiteSpace(end.Message));
        }
    }

    [Theory]
    [InlineData(10, "*/10 * * * * *")]
    [InlineData(7, "*/6 * * * * *")]
    [InlineData(45, "*/30 * * * * *")]
    [InlineData(1, "*/1 * * * * *")]
    [InlineData(120, "0 */2 * * * *")]
    public void HeartbeatCron_is_never_longer_than_the_interval(int seconds, string cron) =>
        Assert.Equal(cron, WorkerScheduler.HeartbeatCron(seconds));

    [Fact]
    public void Docker_timestamps_with_nanoseconds_parse_to_utc_ticks()
    {
        Assert.True(DockerLogReader.TryParseTimestamp("2026-01-05T12:00:00.123456789Z", out var ts));
        Assert.Equal(new DateTime(2026, 1, 5, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234567), ts);
        Assert.Equal(DateTimeKind.Utc, ts.Kind);
        Assert.Equal("1767614400.1234567", DockerLogReader.Since(ts));
    }

    [Fact]
    public void Options_need_pools_when_enabled_and_valid_names()
    {
        var errors = Validate(new WorkerOptions { Enabled = true, Name = "Bad Name", Queues = ["ok", "NO"], Type = "kubernetes" });

        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(WorkerOptions.Pools)));
        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(WorkerOptions.Name)));
        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(WorkerOptions.Queues)));
        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(WorkerOptions.Type)));
        Assert.Empty(Validate(new WorkerOptions { Enabled = true, Pools = ["my-pool"] }));
    }

    [Fact]
    public void Generated_worker_names_are_valid_names()
    {
        var name = WorkerIdentity.Generate();
        Assert.True(Names.IsValid(name), name);
        Assert.NotEqual(name, WorkerIdentity.Generate());
    }

    [Fact]
    public void A_state_directory_keeps_a_generated_name_for_the_next_start_and_a_second_live_worker_gets_its_own()
    {
        var root = Directory.CreateTempSubdirectory("console-identity-").FullName;
        var options = Microsoft.Extensions.Options.Options.Create(new WorkerOptions { Pools = ["p"], StateDirectory = root });
        string first;
        using (var one = new WorkerIdentity(options))
        {
            using var two = new WorkerIdentity(options);
            first = one.Name;
            Assert.NotEqual(one.Name, two.Name);
            Assert.NotEqual(one.StateDirectory, two.StateDirectory);
            Assert.Equal(root, one.StateDirectory);
        }

        // The first worker stopped: the next one to start takes its slot, and so its name and containers.
        using var again = new WorkerIdentity(options);
        Assert.Equal(first, again.Name);
        Directory.Delete(root, recursive: true);
    }

    private static List<ValidationResult> Validate(WorkerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}

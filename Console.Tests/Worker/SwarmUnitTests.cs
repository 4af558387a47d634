using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Contracts.WorkPools;
using Console.Worker;
using Console.Worker.Infrastructure;
using Console.Worker.Infrastructure.Docker;
using Console.Worker.Infrastructure.Swarm;
using Console.Worker.Runs;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging.Abstractions;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

/// <summary>The docker-swarm type's job configuration, service spec and task outcomes, without an engine.</summary>
public sealed class SwarmUnitTests
{
    [Fact]
    public void The_default_template_renders_to_a_configuration_the_worker_reads()
    {
        var template = JobTemplate.Parse(WorkPoolTypes.DefaultTemplate(WorkPoolTypes.DockerSwarm));

        var config = SwarmJobConfiguration.Parse(template.Render(template.Merge("sh -c 'echo hi'")));

        Assert.Equal(Image, config.Image);
        Assert.Equal(["sh", "-c", "echo hi"], config.Command);
        Assert.Empty(config.Constraints);
        Assert.Equal(SwarmResourceAmounts.None, config.Limits);
        Assert.Empty(config.Mounts);
        Assert.True(config.StreamOutput);
    }

    [Fact]
    public void Every_key_of_the_template_reaches_the_service_spec()
    {
        var run = Run();
        var config = SwarmJobConfiguration.Parse(new JsonObject
        {
            ["image"] = "registry.local:5000/flows/etl:2",
            ["command"] = "python -m etl --day 'last monday'",
            ["env"] = new JsonObject { ["MODE"] = "full", ["CONSOLE_FLOW_RUN_ID"] = "not this" },
            ["labels"] = new JsonObject { ["team"] = "data" },
            ["constraints"] = new JsonArray("node.role==worker", " ", "node.labels.ssd==true"),
            ["resources"] = new JsonObject
            {
                ["limits"] = new JsonObject { ["cpus"] = 2.0, ["memory"] = "1g" },
                ["reservations"] = new JsonObject { ["cpus"] = "0.25", ["memory"] = "256m" },
            },
            ["networks"] = new JsonArray("etl-net"),
            ["volumes"] = new JsonArray("/srv/in:/in:ro", "scratch:/scratch"),
            ["stream_output"] = false,
        });

        var spec = SwarmServiceSpec.Create(Spec(new JsonObject(), run), config, TimeSpan.FromSeconds(7));

        Assert.Matches("^console-brave-otter-[0-9]+-[0-9a-f]{6}$", spec.Name);
        Assert.Equal(1UL, spec.Mode.ReplicatedJob.MaxConcurrent);
        Assert.Equal(1UL, spec.Mode.ReplicatedJob.TotalCompletions);
        Assert.Null(spec.Mode.Replicated);
        var task = spec.TaskTemplate;
        Assert.Equal("none", task.RestartPolicy.Condition);
        Assert.Equal(["node.role==worker", "node.labels.ssd==true"], task.Placement.Constraints);
        Assert.Equal((2_000_000_000L, 1L << 30), (task.Resources.Limits.NanoCPUs, task.Resources.Limits.MemoryBytes));
        Assert.Equal((250_000_000L, 256L << 20), (task.Resources.Reservations.NanoCPUs, task.Resources.Reservations.MemoryBytes));
        Assert.Equal("etl-net", Assert.Single(task.Networks).Target);
        var container = task.ContainerSpec;
        Assert.Equal("registry.local:5000/flows/etl:2", container.Image);
        Assert.Equal(["python", "-m", "etl", "--day", "last monday"], container.Args);
        Assert.Null(container.Command);
        Assert.Equal(7_000_000_000L, container.StopGracePeriod);
        Assert.Contains("MODE=full", container.Env);
        Assert.Contains($"CONSOLE_FLOW_RUN_ID={run.Id}", container.Env);
        Assert.Contains("CONSOLE_FLOW_RUN_PARAMETERS={}", container.Env);
        Assert.Equal([("bind", "/srv/in", "/in", true), ("volume", "scratch", "/scratch", false)],
            container.Mounts.Select(m => (m.Type, m.Source, m.Target, m.ReadOnly)));
        foreach (var labels in new[] { spec.Labels, container.Labels })
        {
            Assert.Equal(run.Id.ToString(), labels[DockerLabels.FlowRunId]);
            Assert.Equal("test-worker", labels[DockerLabels.Worker]);
            Assert.Equal("test-pool", labels[DockerLabels.Pool]);
            Assert.Equal("data", labels["team"]);
        }

        Assert.False(config.StreamOutput);
    }

    [Theory]
    [InlineData("resources", "{\"limits\":{\"memory\":\"lots\"}}", "resources.limits.memory")]
    [InlineData("resources", "{\"reservations\":{\"cpus\":-1}}", "resources.reservations.cpus")]
    [InlineData("resources", "[1]", "'resources' must be an object")]
    [InlineData("volumes", "[\"just-a-name\"]", "Volume 'just-a-name'")]
    [InlineData("volumes", "[\"/a:/b:rw,z\"]", "Volume '/a:/b:rw,z'")]
    [InlineData("constraints", "\"node.role==worker\"", "'constraints' must be a list of strings")]
    [InlineData("image", "null", "names no image")]
    public void Unusable_values_are_refused_with_a_message_naming_them(string key, string json, string message)
    {
        var config = new JsonObject { ["image"] = Image, [key] = JsonNode.Parse(json) };

        var error = Assert.Throws<InfrastructureException>(() => SwarmJobConfiguration.Parse(config));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_states_map_to_how_the_run_ended()
    {
        Assert.Null(SwarmTaskOutcome.Of(Task(TaskState.Running)));
        Assert.Null(SwarmTaskOutcome.Of(Task(TaskState.Pending, err: "no suitable node")));
        Assert.Equal(FlowRunState.Completed, End(Task(TaskState.Complete, exitCode: 0)).State);

        var failed = End(Task(TaskState.Failed, "task: non-zero exit (3)", exitCode: 3));
        Assert.Equal((FlowRunState.Failed, 3), (failed.State, failed.ExitCode));
        Assert.DoesNotContain("task:", failed.Message, StringComparison.Ordinal);

        var notStarted = End(Task(TaskState.Failed, "starting container failed: exec: \"nope\": executable file not found in $PATH", exitCode: 127));
        Assert.Equal(FlowRunState.Crashed, notStarted.State);
        Assert.Contains("executable file not found", notStarted.Message, StringComparison.Ordinal);

        var rejected = End(Task(TaskState.Rejected, "No such image: console-test/nope:1", image: "console-test/nope:1"));
        Assert.Equal(FlowRunState.Crashed, rejected.State);
        Assert.Contains("No such image: console-test/nope:1", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("needs the image 'console-test/nope:1'", rejected.Message, StringComparison.Ordinal);

        Assert.Equal(FlowRunState.Crashed, End(Task(TaskState.Orphaned)).State);
        Assert.Contains("left the cluster", End(Task(TaskState.Orphaned)).Message, StringComparison.Ordinal);
        Assert.Equal(FlowRunState.Crashed, End(Task(TaskState.Shutdown)).State);
    }

    [Fact]
    public void A_re_read_log_stream_ships_each_line_once_per_stream()
    {
        var sink = new RecordingSink();
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var cursor = new SwarmLogCursor(sink, after: t0);

        cursor.Write("stdout", "old", t0);
        cursor.Write("stdout", "one", t0.AddTicks(1));
        cursor.Write("stderr", "err", t0.AddTicks(5));
        Assert.Equal(t0.AddTicks(1), cursor.ResumeFrom);
        // The tail read starts at the older cursor: stdout's; what either stream already had is dropped.
        cursor.Write("stdout", "one", t0.AddTicks(1));
        cursor.Write("stdout", "two", t0.AddTicks(3));
        cursor.Write("stderr", "err", t0.AddTicks(5));
        cursor.Write("worker", "no timestamp, always shipped");

        Assert.Equal(["one", "two"], sink.Of("stdout"));
        Assert.Equal(["err"], sink.Of("stderr"));
        Assert.Single(sink.Of("worker"));
        Assert.Null(new SwarmLogCursor(sink, after: null).ResumeFrom);
    }

    [Fact]
    public void A_worker_may_be_told_to_run_docker_swarm_pools()
    {
        var options = new WorkerOptions { Enabled = true, Pools = ["p"], Type = "docker-swarm" };
        var errors = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task An_unreachable_engine_is_unhealthy_and_start_says_unavailable()
    {
        using var swarm = new SwarmInfrastructure(Options(o => o.DockerHost = "unix:///tmp/console-no-such-swarm.sock"), NullLogger<SwarmInfrastructure>.Instance);
        var config = new JsonObject { ["image"] = Image, ["command"] = "echo hi" };

        var health = await swarm.CheckHealthAsync(CancellationToken.None);
        var error = await Assert.ThrowsAsync<InfrastructureUnavailableException>(() => swarm.StartAsync(Spec(config), new RecordingSink(), CancellationToken.None));

        Assert.False(health.IsHealthy);
        Assert.Contains("unreachable", health.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_swarm_manager_of_the_test_environment_is_healthy()
    {
        Infrastructure.TestEnvironment.RequireSwarm();
        using var swarm = new SwarmInfrastructure(Options(), NullLogger<SwarmInfrastructure>.Instance);

        var health = await swarm.CheckHealthAsync(CancellationToken.None);

        Assert.True(health.IsHealthy, health.Message);
        Assert.Equal("docker-swarm", swarm.Type);
    }

    private static SetStateRequest End(TaskResponse task) => RunOutcomes.Classify(SwarmTaskOutcome.Of(task)!);

    private static TaskResponse Task(TaskState state, string? err = null, int? exitCode = null, string image = Image) => new()
    {
        ID = "task1",
        Spec = new TaskSpec { ContainerSpec = new ContainerSpec { Image = image } },
        Status = new Docker.DotNet.Models.TaskStatus
        {
            State = state,
            Err = err,
            Message = state.ToString().ToLowerInvariant(),
            ContainerStatus = exitCode is { } code ? new ContainerStatus { ContainerID = "c0ffee", ExitCode = code } : new ContainerStatus(),
        },
    };
}

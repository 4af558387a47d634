using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Worker;
using Console.Worker.Infrastructure;
using Console.Worker.Infrastructure.Docker;
using Docker.DotNet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Console.Tests.Worker;

/// <summary>Shared helpers of the worker tests: runs, job configurations, a recording log sink, waits on conditions.</summary>
internal static class WorkerTestKit
{
    public const string Image = Infrastructure.TestEnvironment.TestImage;

    public static FlowRunDto Run(JsonObject? parameters = null, string pool = "test-pool") => new()
    {
        Id = Guid.NewGuid(),
        Name = "brave-otter-" + Random.Shared.Next(1000),
        FlowName = "hello-flow",
        DeploymentName = "hello-deployment",
        WorkPoolName = pool,
        WorkQueueName = "default",
        State = FlowRunState.Pending,
        Parameters = parameters ?? [],
        JobVariables = [],
    };

    public static JsonObject DockerConfig(string? command, Action<JsonObject>? change = null)
    {
        var config = new JsonObject
        {
            ["image"] = Image,
            ["command"] = command,
            ["auto_remove"] = true,
            ["image_pull_policy"] = "Never",
            ["stream_output"] = true,
        };
        change?.Invoke(config);
        return config;
    }

    public static RunSpec Spec(JsonObject config, FlowRunDto? run = null, string worker = "test-worker") =>
        new(run ?? Run(), config, worker, "http://127.0.0.1:5999");

    public static IOptions<WorkerOptions> Options(Action<WorkerOptions>? change = null)
    {
        var options = new WorkerOptions { Name = "test-worker", Pools = ["test-pool"] };
        change?.Invoke(options);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    public static DockerInfrastructure NewDocker(string? host = null)
    {
        Infrastructure.TestEnvironment.RequireDocker();
        return new DockerInfrastructure(Options(o => o.DockerHost = host ?? "unix:///var/run/docker.sock"),
            NullLogger<DockerInfrastructure>.Instance);
    }

    public static DockerClient DockerClient() => new DockerClientConfiguration(new Uri("unix:///var/run/docker.sock")).CreateClient();

    /// <summary>Whether the engine still has the container (running or not).</summary>
    public static async Task<bool> ContainerExistsAsync(this DockerClient docker, string id)
    {
        ArgumentNullException.ThrowIfNull(docker);
        try
        {
            await docker.Containers.InspectContainerAsync(id);
            return true;
        }
        catch (DockerContainerNotFoundException)
        {
            return false;
        }
    }

    public static Task<T> Within<T>(this Task<T> task, int seconds = 60) => task.WaitAsync(TimeSpan.FromSeconds(seconds));

    public static Task Within(this Task task, int seconds = 60) => task.WaitAsync(TimeSpan.FromSeconds(seconds));
}

/// <summary>An <see cref="ILogSink"/> that keeps every line it gets.</summary>
internal sealed class RecordingSink : ILogSink
{
    public ConcurrentQueue<(string Stream, string Message, DateTime? Timestamp)> Lines { get; } = new();

    public void Write(string stream, string message, DateTime? timestamp = null, string level = "info") =>
        Lines.Enqueue((stream, message, timestamp));

    public IReadOnlyList<string> Of(string stream) => [.. Lines.Where(l => l.Stream == stream).Select(l => l.Message)];
}

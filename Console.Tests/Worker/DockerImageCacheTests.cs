using System.Text.Json.Nodes;
using Console.Contracts.FlowRuns;
using Console.Projects.Images;
using Console.Testing;
using Console.Tests.Flows;
using Console.Tests.Images;
using Console.Tests.Infrastructure;

namespace Console.Tests.Worker;

/// <summary>
/// The worker trusts an image it has just used without inspecting it again; that must never cost a
/// run: an image removed between two runs is pulled again from its registry and the run completes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync, not IAsyncDisposable")]
public sealed class DockerImageCacheTests(LocalRegistry registry, ConsoleServer server) : IClassFixture<LocalRegistry>, IClassFixture<ConsoleServer>, IAsyncLifetime
{
    private readonly DockerKit _docker = new();
    private readonly TempProject _project = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _docker.DisposeAsync();
        _project.Dispose();
    }

    [Fact]
    public async Task An_image_removed_between_two_runs_of_it_is_pulled_again_and_the_run_completes()
    {
        var marker = "cached-" + Guid.NewGuid().ToString("N")[..8];
        var image = await PushImageAsync(marker);
        using var api = server.CreateHttpClient();
        var pool = ConsoleApi.UniqueName("image-cache");
        await api.CreatePoolAsync(pool, "docker");
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, pool, ConsoleApi.UniqueName("cacher"));
        // The product's default, said explicitly: the test helper's runs default to Never (no pulls in tests).
        var variables = new JsonObject { ["image"] = image, ["image_pull_policy"] = "IfNotPresent" };

        var first = await RunToEndAsync(api, pool, variables, marker);
        Assert.Contains(first, l => l == $"Pulling image {image}");

        // Present and just used: the next run neither inspects nor pulls.
        var second = await RunToEndAsync(api, pool, variables, marker);
        Assert.DoesNotContain(second, l => l.StartsWith("Pulling image", StringComparison.Ordinal));

        await _docker.RemoveAsync(image);
        Assert.False(await _docker.ExistsAsync(image), "the image must be gone locally between the runs");
        var third = await RunToEndAsync(api, pool, variables, marker);
        Assert.Contains(third, l => l == $"Pulling image {image}");
        Assert.True(await _docker.ExistsAsync(image), "the third run pulled the image back");
    }

    /// <summary>Runs the image's flow to its end; asserts it completed with its output and returns the worker's log lines.</summary>
    private static async Task<List<string>> RunToEndAsync(HttpClient api, string pool, JsonObject variables, string marker)
    {
        var run = await api.RunAsync(pool, "sh flow.sh", (JsonObject)variables.DeepClone());
        var ended = await api.WaitForStateAsync(run.Id, s => s.IsTerminal(), "the run to end", timeoutSeconds: 120);
        Assert.True(ended.State == FlowRunState.Completed, $"the run ended {ended.State}: {ended.StateMessage}");
        Assert.Contains(marker, await api.OutputAsync(run.Id));
        return [.. (await api.LogsAsync(run.Id)).Where(l => l.Stream == "worker").Select(l => l.Message)];
    }

    /// <summary>An image FROM the local test image that prints the marker, pushed to the registry and removed locally.</summary>
    private async Task<string> PushImageAsync(string marker)
    {
        _project.With("flow.sh", $"echo {marker}\n");
        var image = ImageReference.Parse(_docker.Track($"{registry.Address}/console-test/image-cache:t{Guid.NewGuid():N}"));
        using var builder = new ImageBuilder(_docker.Client);
        var result = await builder.BuildAsync(new ImageBuildRequest
        {
            ProjectDirectory = _project.Folder,
            Image = image,
            BaseImage = TestEnvironment.TestImage,
            Command = "sh flow.sh",
            Push = true,
        }, _ => { });
        Assert.True(result.Pushed, "the image must be in the registry before the runs");
        await _docker.RemoveAsync(image.ToString());
        Assert.False(await _docker.ExistsAsync(image.ToString()), "the image must be gone locally so the first run pulls it");
        return image.ToString();
    }
}

using Console.Tests.Flows;
using Console.Tests.Infrastructure;
using Console.Projects.Flows;
using Console.Projects.Images;
using Docker.DotNet.Models;

namespace Console.Tests.Images;

/// <summary>Push to a real registry on loopback, then pull back and run, as a worker on another host would.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync, not IAsyncDisposable")]
public sealed class ImagePushTests(LocalRegistry registry) : IClassFixture<LocalRegistry>, IAsyncLifetime
{
    private readonly DockerKit _docker = new();
    private readonly List<ImageBuildLine> _lines = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _docker.DisposeAsync();

    [Fact]
    public async Task The_tutorial_image_is_pushed_removed_locally_pulled_back_and_run()
    {
        using var builder = new ImageBuilder(_docker.Client);
        var project = FlowProject.Load(Repository.Example("get-repo-info"));
        var deployment = project.FindDeployment("my-first-deployment")!;
        deployment.Build = new ManifestBuild { Repository = $"{registry.Address}/console-test", ImageName = "get-repo-info", Tag = "test", Push = true };
        var request = ImageBuildRequest.For(project, deployment, TestEnvironment.TestImage);
        var image = _docker.Track(request.Image.ToString());
        Assert.Equal($"{registry.Address}/console-test/get-repo-info:test", image);

        var result = await builder.BuildAsync(request, _lines.Add);

        Assert.True(result.Pushed);
        Assert.Matches("^sha256:[0-9a-f]{64}$", result.Digest);
        var push = _lines.Where(l => l.Stage == ImageBuildStage.Push).Select(l => l.Text).ToList();
        Assert.Equal($"Pushing {image} ...", push[0]);
        Assert.Contains(push, l => l.StartsWith($"The push refers to repository [{registry.Address}/console-test/get-repo-info]", StringComparison.Ordinal));
        Assert.Contains(push, l => l.EndsWith(": Pushed", StringComparison.Ordinal) || l.EndsWith(": Layer already exists", StringComparison.Ordinal));
        Assert.Contains(push, l => l.StartsWith($"test: digest: {result.Digest}", StringComparison.Ordinal));
        Assert.Equal(push.Count, push.Distinct().Count());

        await _docker.RemoveAsync(image);
        Assert.False(await _docker.ExistsAsync(image));

        var pullErrors = new List<string>();
        await _docker.Client.Images.CreateImageAsync(
            new ImagesCreateParameters { FromImage = request.Image.FullName, Tag = request.Image.Tag },
            new AuthConfig(),
            new Sync(m =>
            {
                if (m.Error?.Message is { Length: > 0 } error)
                {
                    pullErrors.Add(error);
                }
            }));
        Assert.Empty(pullErrors);
        var pulled = await _docker.Client.Images.InspectImageAsync(image);
        Assert.Contains($"{request.Image.FullName}@{result.Digest}", pulled.RepoDigests);

        var (exit, stdout, stderr) = await _docker.RunAsync(image);
        Assert.True(exit == 0, stderr);
        Assert.Contains("Repository facts for /flow", stdout);
    }

    [Fact]
    public async Task A_push_to_a_registry_that_is_not_there_fails_with_the_engine_s_error()
    {
        using var builder = new ImageBuilder(_docker.Client);
        using var project = new TempProject();
        project.With("flow.sh", "echo hi\n");
        var request = new ImageBuildRequest
        {
            ProjectDirectory = project.Folder,
            Image = ImageReference.Parse(_docker.Track($"127.0.0.1:1/console-test/nowhere:t{Guid.NewGuid():N}")),
            BaseImage = TestEnvironment.TestImage,
            Command = "sh flow.sh",
            Push = true,
            Credentials = new AuthConfig { Username = "someone", Password = "secret", ServerAddress = "127.0.0.1:1" },
        };

        var error = await Assert.ThrowsAsync<ImageBuildException>(() => builder.BuildAsync(request, _lines.Add));

        Assert.StartsWith($"Pushing image {request.Image} failed: ", error.Message);
        Assert.Contains("127.0.0.1:1", error.EngineError);
        Assert.Contains("connection refused", error.EngineError);
        Assert.True(await _docker.ExistsAsync(request.Image.ToString()), "the build itself succeeded and stays local");
        Assert.Contains(_lines, l => l.Stage == ImageBuildStage.Push && l.IsError);
        Assert.DoesNotContain(_lines, l => l.Text.Contains("secret", StringComparison.Ordinal));
    }

    private sealed class Sync(Action<JSONMessage> report) : IProgress<JSONMessage>
    {
        public void Report(JSONMessage value) => report(value);
    }
}

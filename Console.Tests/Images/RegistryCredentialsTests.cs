using Console.Tests.Flows;
using Console.Tests.Infrastructure;
using Console.Projects.Images;
using Docker.DotNet.Models;

namespace Console.Tests.Images;

/// <summary>Pushes through Docker.DotNet to a real registry that wants credentials (htpasswd).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync, not IAsyncDisposable")]
public sealed class RegistryCredentialsTests(AuthRegistry registry) : IClassFixture<AuthRegistry>, IAsyncLifetime
{
    private readonly DockerKit _docker = new();
    private readonly TempProject _project = new();
    private readonly List<ImageBuildLine> _lines = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _docker.DisposeAsync();
        _project.Dispose();
    }

    [Fact]
    public async Task A_push_with_the_right_credentials_lands_in_the_registry()
    {
        using var builder = new ImageBuilder(_docker.Client);
        var request = Request("right", registry.Password);

        var result = await builder.BuildAsync(request, _lines.Add);

        Assert.True(result.Pushed);
        Assert.Matches("^sha256:[0-9a-f]{64}$", result.Digest);
        Assert.Contains(_lines, l => l.Stage == ImageBuildStage.Push && l.Text.StartsWith($"{request.Image.Tag}: digest: {result.Digest}", StringComparison.Ordinal));
        Assert.Equal($"200 {{\"name\":\"{Repository(request)}\",\"tags\":[\"{request.Image.Tag}\"]}}",
            (await registry.TagsAsync(Repository(request), registry.Username, registry.Password)).TrimEnd());
        Assert.StartsWith("401 ", await registry.TagsAsync(Repository(request)), StringComparison.Ordinal);
        Assert.DoesNotContain(_lines, l => l.Text.Contains(registry.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_push_with_a_wrong_password_fails_with_the_registry_s_words_and_pushes_nothing()
    {
        using var builder = new ImageBuilder(_docker.Client);
        var request = Request("wrong", "not-the-password");

        var error = await Assert.ThrowsAsync<ImageBuildException>(() => builder.BuildAsync(request, _lines.Add));

        Assert.Equal($"Pushing image {request.Image} failed: unauthorized: authentication required", error.Message);
        Assert.Contains(_lines, l => l.Stage == ImageBuildStage.Push && l.IsError);
        Assert.True(await _docker.ExistsAsync(request.Image.ToString()), "the build itself succeeded and stays local");
        Assert.StartsWith("404 ", await registry.TagsAsync(Repository(request), registry.Username, registry.Password), StringComparison.Ordinal);
        Assert.DoesNotContain(_lines, l => l.Text.Contains("not-the-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_push_without_credentials_is_refused_as_anonymous()
    {
        using var builder = new ImageBuilder(_docker.Client);
        var request = Request("anonymous", password: null);

        var error = await Assert.ThrowsAsync<ImageBuildException>(() => builder.BuildAsync(request, _lines.Add));

        Assert.Equal($"Pushing image {request.Image} failed: no basic auth credentials", error.Message);
    }

    private static string Repository(ImageBuildRequest request) => request.Image.FullName[(request.Image.Registry!.Length + 1)..];

    private ImageBuildRequest Request(string name, string? password)
    {
        _project.With("flow.sh", "echo pushed\n");
        return new ImageBuildRequest
        {
            ProjectDirectory = _project.Folder,
            Image = ImageReference.Parse(_docker.Track($"{registry.Address}/console-test/{name}:t{Guid.NewGuid():N}")),
            BaseImage = TestEnvironment.TestImage,
            Command = "sh flow.sh",
            Push = true,
            Credentials = password is null ? null : new AuthConfig { Username = registry.Username, Password = password, ServerAddress = registry.Address },
        };
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Projects.Images;
using Console.Testing;
using Console.Tests.Flows;
using Console.Tests.Infrastructure;
using Docker.DotNet.Models;

namespace Console.Tests.Images;

/// <summary>
/// A docker pool pulls a private image from a real registry that wants credentials (htpasswd),
/// with the secret its <c>registry_credentials</c> job variable names; without it the pull is
/// refused and the run ends Crashed saying so.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync, not IAsyncDisposable")]
public sealed class RegistryPullTests(AuthRegistry registry, ConsoleServer server) : IClassFixture<AuthRegistry>, IClassFixture<ConsoleServer>, IAsyncLifetime
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
    public async Task A_docker_run_pulls_a_private_image_with_registry_credentials_and_an_anonymous_pull_crashes()
    {
        var marker = "pulled-" + Guid.NewGuid().ToString("N")[..8];
        var image = await PushPrivateImageAsync(marker);
        using var api = server.CreateHttpClient();
        var secret = ConsoleApi.UniqueName("registry");
        var credentials = new JsonObject { ["username"] = registry.Username, ["password"] = registry.Password }.ToJsonString();
        (await api.PostAsJsonAsync("/api/secrets", new CreateSecretRequest { Name = secret, Value = credentials }, ConsoleJson.Options)).EnsureSuccessStatusCode();
        var pool = ConsoleApi.UniqueName("private");
        await api.CreatePoolAsync(pool, "docker");
        await using var worker = await Console.Tests.Worker.WorkerHost.StartAsync(server.BaseUrl, pool, ConsoleApi.UniqueName("puller"));

        var anonymous = await api.RunAsync(pool, "sh flow.sh", new JsonObject { ["image"] = image, ["image_pull_policy"] = "Always" });
        var refused = await api.WaitForStateAsync(anonymous.Id, s => s.IsTerminal(), "the anonymous pull to end the run", timeoutSeconds: 90);
        Assert.Equal(FlowRunState.Crashed, refused.State);
        Assert.Contains($"Could not pull image '{image}'", refused.StateMessage, StringComparison.Ordinal);
        Assert.False(await _docker.ExistsAsync(image), "the anonymous pull must not have fetched the image");

        var run = await api.RunAsync(pool, "sh flow.sh", new JsonObject
        {
            ["image"] = image, ["image_pull_policy"] = "Always", [SecretReferences.RegistryCredentialsVariable] = secret,
        });
        var ended = await api.WaitForStateAsync(run.Id, s => s.IsTerminal(), "the run with credentials to end", timeoutSeconds: 120);
        Assert.True(ended.State == FlowRunState.Completed, $"the run ended {ended.State}: {ended.StateMessage}");
        Assert.Contains(marker, await api.OutputAsync(run.Id));
        var logs = await api.LogsAsync(run.Id);
        Assert.Contains(logs, l => l.Stream == "worker" && l.Message == $"Pulling image {image} with registry_credentials");
        Assert.DoesNotContain(logs, l => l.Message.Contains(registry.Password, StringComparison.Ordinal));
    }

    /// <summary>Builds an image FROM the local test image, pushes it with the account's credentials, and removes it locally.</summary>
    private async Task<string> PushPrivateImageAsync(string marker)
    {
        _project.With("flow.sh", $"echo {marker}\n");
        var image = ImageReference.Parse(_docker.Track($"{registry.Address}/console-test/private:t{Guid.NewGuid():N}"));
        using var builder = new ImageBuilder(_docker.Client);
        var result = await builder.BuildAsync(new ImageBuildRequest
        {
            ProjectDirectory = _project.Folder,
            Image = image,
            BaseImage = TestEnvironment.TestImage,
            Command = "sh flow.sh",
            Push = true,
            Credentials = new AuthConfig { Username = registry.Username, Password = registry.Password, ServerAddress = registry.Address },
        }, _ => { });
        Assert.True(result.Pushed, "the private image must be in the registry before the pull is tested");
        await _docker.RemoveAsync(image.ToString());
        Assert.False(await _docker.ExistsAsync(image.ToString()), "the image must be gone locally so the worker has to pull it");
        return image.ToString();
    }
}

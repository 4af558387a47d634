using Console.Cli.Hosting;
using Console.Tests.Images;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

/// <summary><c>deploy</c> pushing the project's image to a registry that wants credentials (htpasswd), given through the environment.</summary>
[Collection(CliCollection.Name)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit v2 disposes test classes through IAsyncLifetime.DisposeAsync, not IAsyncDisposable")]
public sealed class DeployPushTests(ConsoleServer server, AuthRegistry registry) : IClassFixture<AuthRegistry>, IAsyncLifetime
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();
    private readonly DockerKit _docker = new();
    private readonly string _tag = $"t{Guid.NewGuid():N}"[..13];
    private string _pool = string.Empty;

    public async Task InitializeAsync()
    {
        _pool = CliHarness.Unique("push-pool");
        await _rest.CreatePoolAsync(_pool, "docker");
        _cli.WriteFile("flow.sh", "# flow: pushed\necho pushed\n");
    }

    public async Task DisposeAsync()
    {
        await _docker.DisposeAsync();
        _cli.Dispose();
        _rest.Dispose();
    }

    [Fact]
    public async Task Deploy_pushes_with_the_credentials_from_the_environment()
    {
        var (name, image) = Project("right");
        _cli.Environment[CliEnvironment.RegistryUsernameVariable] = registry.Username;
        _cli.Environment[CliEnvironment.RegistryPasswordVariable] = registry.Password;

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", _pool);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Built image {image} and pushed it.", result.Output, StringComparison.Ordinal);
        Assert.Contains(_tag, await registry.TagsAsync($"console-test/{name}", registry.Username, registry.Password), StringComparison.Ordinal);
        Assert.DoesNotContain(registry.Password, result.Output, StringComparison.Ordinal);
        Assert.Contains($"Deployment 'pushed/{name}' successfully created", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_pushes_with_the_docker_configs_login_for_that_registry_and_never_another_registrys()
    {
        var folder = Directory.CreateTempSubdirectory("console-docker-config-");
        try
        {
            _cli.Environment[CliEnvironment.DockerConfigVariable] = folder.FullName;
            var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{registry.Username}:{registry.Password}"));
            var config = Path.Combine(folder.FullName, "config.json");

            // The right login, filed under another registry: not sent, so the push is anonymous and refused.
            await File.WriteAllTextAsync(config, "{\"auths\": {\"registry.example.org\": {\"auth\": \"" + auth + "\"}}}");
            var (other, _) = Project("other");
            var refused = await _cli.RunAsync("--no-prompt", "deploy", "-n", other, "-p", _pool);
            Assert.Equal(ExitCodes.Error, refused.ExitCode);
            Assert.Contains("no basic auth credentials. The registry wants credentials", Flat(refused.Output), StringComparison.Ordinal);

            // What `docker login` writes for this registry: the push uses it.
            await File.WriteAllTextAsync(config, "{\"auths\": {\"http://" + registry.Address + "\": {\"auth\": \"" + auth + "\"}}}");
            var (name, image) = Project("docker-config");
            var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", _pool);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains($"Built image {image} and pushed it.", result.Output, StringComparison.Ordinal);
            Assert.Contains(_tag, await registry.TagsAsync($"console-test/{name}", registry.Username, registry.Password), StringComparison.Ordinal);
            Assert.DoesNotContain(registry.Password, result.Output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Deploy_with_a_wrong_password_says_the_registry_refused_it_and_creates_no_deployment()
    {
        var (name, image) = Project("wrong");
        _cli.Environment[CliEnvironment.RegistryUsernameVariable] = registry.Username;
        _cli.Environment[CliEnvironment.RegistryPasswordVariable] = "not-the-password";

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", _pool);

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains(
            $"Error: The image {image} was built, but pushing it to {registry.Address} failed: unauthorized: authentication required. "
            + $"The registry refused the credentials of '{registry.Username}' (CONSOLE_REGISTRY_USERNAME / CONSOLE_REGISTRY_PASSWORD). The deployment was not changed.",
            Flat(result.Output), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", result.Output, StringComparison.Ordinal);
        Assert.StartsWith("404 ", await registry.TagsAsync($"console-test/{name}", registry.Username, registry.Password), StringComparison.Ordinal);
        Assert.DoesNotContain(await _rest.GetJsonAsync<List<Console.Contracts.DeploymentDto>>($"/api/deployments?pool={_pool}"), d => d.Name == name);
    }

    [Fact]
    public async Task Deploy_without_credentials_to_such_a_registry_says_which_variables_to_set()
    {
        var (name, _) = Project("anonymous");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", _pool);

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("failed: no basic auth credentials. The registry wants credentials: set CONSOLE_REGISTRY_USERNAME and CONSOLE_REGISTRY_PASSWORD.",
            Flat(result.Output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_username_without_a_password_is_a_usage_error_before_anything_is_built()
    {
        var (name, image) = Project("half");
        _cli.Environment[CliEnvironment.RegistryUsernameVariable] = registry.Username;

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", _pool);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Set both CONSOLE_REGISTRY_USERNAME and CONSOLE_REGISTRY_PASSWORD", Flat(result.Output), StringComparison.Ordinal);
        Assert.False(await _docker.ExistsAsync(image));
    }

    /// <summary>A deployment saved in console.yaml whose build pushes to the registry; the image is tracked for removal.</summary>
    private (string Name, string Image) Project(string name)
    {
        var deployment = CliHarness.Unique(name);
        _cli.WriteFile("console.yaml",
            $"deployments:\n  - name: {deployment}\n    flow: pushed\n    build:\n      repository: {registry.Address}/console-test\n      tag: {_tag}\n      push: true\n");
        return (deployment, _docker.Track($"{registry.Address}/console-test/{deployment}:{_tag}"));
    }

    // The console wraps long messages; the words are what matter.
    private static string Flat(string output) => string.Join(' ', output.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));
}

using Console.Tests.Infrastructure;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Console.Tests.Images;

/// <summary>Runs images and cleans up after the image tests, through Docker.DotNet as the worker does.</summary>
public sealed class DockerKit : IAsyncDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
    private readonly DockerClientConfiguration _configuration = new(new Uri("unix://" + TestEnvironment.DockerSocket));
    private readonly List<string> _images = [];

    public DockerKit()
    {
        TestEnvironment.RequireDocker();
        Client = _configuration.CreateClient();
    }

    public DockerClient Client { get; }

    /// <summary>A unique local tag for a test's image, removed on dispose.</summary>
    public string Tag(string name = "console-test/flows-it")
    {
        var tag = $"{name}:t{Guid.NewGuid():N}"[..(name.Length + 14)];
        return Track(tag);
    }

    public string Track(string image)
    {
        _images.Add(image);
        return image;
    }

    /// <summary>Creates, starts and waits for a container of the image, and returns its exit code and output.</summary>
    public async Task<(long ExitCode, string Stdout, string Stderr)> RunAsync(string image, IList<string>? command = null, IDictionary<string, string>? env = null)
    {
        using var timeout = new CancellationTokenSource(RunTimeout);
        var ct = timeout.Token;
        var container = await Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            Cmd = command,
            Env = env?.Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = new Dictionary<string, string> { ["console-test"] = "images" },
        }, ct);
        try
        {
            await Client.Containers.StartContainerAsync(container.ID, new ContainerStartParameters(), ct);
            var exit = await Client.Containers.WaitContainerAsync(container.ID, ct);
            using var logs = await Client.Containers.GetContainerLogsAsync(container.ID, tty: false,
                new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, ct);
            var (stdout, stderr) = await logs.ReadOutputToEndAsync(ct);
            return (exit.StatusCode, stdout, stderr);
        }
        finally
        {
            await Client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    public async Task<bool> ExistsAsync(string image)
    {
        try
        {
            await Client.Images.InspectImageAsync(image);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    public async Task RemoveAsync(string image)
    {
        try
        {
            await Client.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = true });
        }
        catch (DockerImageNotFoundException)
        {
            // already gone
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var image in _images)
        {
            await RemoveAsync(image);
        }

        Client.Dispose();
        _configuration.Dispose();
    }
}

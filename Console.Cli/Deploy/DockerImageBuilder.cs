using Console.Cli.Hosting;
using Console.Worker.Images;
using Docker.DotNet.Models;
using WorkerImageBuildRequest = Console.Worker.Images.ImageBuildRequest;

namespace Console.Cli.Deploy;

/// <summary>
/// Builds the flow project through the Docker engine with Console.Worker's <see cref="ImageBuilder"/>
/// (project Dockerfile or a generated one FROM the pool's image, optional push), streaming its
/// output. An engine that cannot be reached is not an error of the deploy: the note says how to build by hand.
/// The push authenticates with <c>CONSOLE_REGISTRY_USERNAME</c> / <c>CONSOLE_REGISTRY_PASSWORD</c> when they are set.
/// </summary>
public sealed class DockerImageBuilder(CliContext cli) : IImageBuilder
{
    public async Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        if (request.Dockerfile is { } own && !File.Exists(Path.Combine(request.ProjectDirectory, own)))
        {
            throw new UsageException($"The Dockerfile '{own}' named by console.yaml's build section does not exist.");
        }

        var image = ImageReference.Parse(request.Image);
        var credentials = Credentials(image);
        using var builder = new ImageBuilder(cli.DockerHost);
        try
        {
            await builder.BuildAsync(
                new WorkerImageBuildRequest
                {
                    ProjectDirectory = request.ProjectDirectory,
                    Image = image,
                    Dockerfile = request.Dockerfile,
                    BaseImage = request.BaseImage ?? WorkerImageBuildRequest.DefaultBaseImage,
                    Command = request.Command,
                    Credentials = credentials,
                },
                line => progress(line.Text),
                cancellationToken);
            if (request.Push)
            {
                await PushAsync(builder, image, credentials, progress, cancellationToken);
            }
        }
        catch (ImageBuildException ex) when (ex.EngineUnreachable)
        {
            var push = request.Push ? $" && docker push {request.Image}" : string.Empty;
            return new ImageBuildResult(false,
                $"Note: the Docker engine at {cli.DockerHost} is not reachable, so the image was not built ({ex.Message}). "
                + $"Build it with: docker build -t {request.Image} .{push}");
        }

        return new ImageBuildResult(true);
    }

    private AuthConfig? Credentials(ImageReference image)
    {
        if (cli.RegistryUsername is null && cli.RegistryPassword is null)
        {
            return null;
        }

        if (cli.RegistryUsername is null || cli.RegistryPassword is null)
        {
            throw new UsageException(
                $"Set both {CliEnvironment.RegistryUsernameVariable} and {CliEnvironment.RegistryPasswordVariable} to push with credentials, or neither to push anonymously.");
        }

        // Docker Hub when the image names no registry host, as docker push does.
        return new AuthConfig
        {
            Username = cli.RegistryUsername,
            Password = cli.RegistryPassword,
            ServerAddress = image.Registry ?? "https://index.docker.io/v1/",
        };
    }

    private static async Task PushAsync(ImageBuilder builder, ImageReference image, AuthConfig? credentials, Action<string> progress, CancellationToken cancellationToken)
    {
        try
        {
            await builder.PushAsync(image, credentials, new LineProgress(progress), cancellationToken);
        }
        catch (ImageBuildException ex) when (!ex.EngineUnreachable)
        {
            var registry = image.Registry ?? "Docker Hub";
            var error = ex.EngineError ?? ex.Message;
            var hint = !IsAuthError(error) ? string.Empty
                : credentials is null
                    ? $" The registry wants credentials: set {CliEnvironment.RegistryUsernameVariable} and {CliEnvironment.RegistryPasswordVariable}."
                    : $" The registry refused the credentials of '{credentials.Username}' ({CliEnvironment.RegistryUsernameVariable} / {CliEnvironment.RegistryPasswordVariable}).";
            throw new ImageBuildException(
                $"The image {image} was built, but pushing it to {registry} failed: {error}.{hint} The deployment was not changed.",
                error, ex.Output, ex);
        }
    }

    private static bool IsAuthError(string error) =>
        error.Contains("unauthorized", StringComparison.OrdinalIgnoreCase)
        || error.Contains("authentication required", StringComparison.OrdinalIgnoreCase)
        || error.Contains("no basic auth credentials", StringComparison.OrdinalIgnoreCase)
        || error.Contains("denied", StringComparison.OrdinalIgnoreCase);

    // Synchronous on purpose: Progress<T> would post lines later and out of order.
    private sealed class LineProgress(Action<string> progress) : IProgress<ImageBuildLine>
    {
        public void Report(ImageBuildLine value) => progress(value.Text);
    }
}

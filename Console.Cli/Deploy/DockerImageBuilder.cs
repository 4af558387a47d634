using Console.Cli.Hosting;
using Console.Worker.Images;
using WorkerImageBuildRequest = Console.Worker.Images.ImageBuildRequest;

namespace Console.Cli.Deploy;

/// <summary>
/// Builds the flow project through the Docker engine with Console.Worker's <see cref="ImageBuilder"/>
/// (project Dockerfile or a generated one FROM the pool's image, optional push), streaming its
/// output. An engine that cannot be reached is not an error of the deploy: the note says how to build by hand.
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

        using var builder = new ImageBuilder(cli.DockerHost);
        try
        {
            await builder.BuildAsync(
                new WorkerImageBuildRequest
                {
                    ProjectDirectory = request.ProjectDirectory,
                    Image = ImageReference.Parse(request.Image),
                    Dockerfile = request.Dockerfile,
                    BaseImage = request.BaseImage ?? WorkerImageBuildRequest.DefaultBaseImage,
                    Command = request.Command,
                    Push = request.Push,
                },
                line => progress(line.Text),
                cancellationToken);
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
}

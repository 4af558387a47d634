using System.Text.Json;
using Console.Contracts.Common;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Console.Projects.Images;

/// <summary>
/// Builds a flow project into an image through the Docker engine (Docker.DotNet), tags it
/// <c>repository/name:tag</c> and optionally pushes it, streaming the engine's output line by
/// line. Docker.DotNet does not throw when a build or push fails: the engine reports the error in
/// the progress messages, so both are read here and a failure becomes an <see cref="ImageBuildException"/>.
/// </summary>
public sealed class ImageBuilder : IImageBuilder, IDisposable
{
    private readonly IDockerClient _client;
    private readonly DockerClientConfiguration? _ownedConfiguration;
    private readonly string _engine;

    /// <param name="client">Used as is; the caller disposes it.</param>
    public ImageBuilder(IDockerClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _engine = "the Docker engine";
    }

    /// <param name="dockerHost">The engine's address, as <c>WorkerOptions.DockerHost</c> (e.g. <c>unix:///var/run/docker.sock</c>).</param>
    public ImageBuilder(string dockerHost = "unix:///var/run/docker.sock")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dockerHost);
        _ownedConfiguration = new DockerClientConfiguration(new Uri(dockerHost));
        _client = _ownedConfiguration.CreateClient();
        _engine = $"the Docker engine at {dockerHost}";
    }

    /// <summary>
    /// Builds (and with <see cref="ImageBuildRequest.Push"/> pushes) the image. Each output line
    /// goes to <paramref name="progress"/> on the thread reading the engine's stream, in order;
    /// pass a synchronous <see cref="IProgress{T}"/> (not <see cref="Progress{T}"/>, which posts
    /// lines later and out of order) and marshal to the UI yourself.
    /// </summary>
    /// <exception cref="ImageBuildException">The engine refused or failed the build or the push (its error is in the message).</exception>
    public async Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, IProgress<ImageBuildLine>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = Path.GetFullPath(request.ProjectDirectory);
        if (!Directory.Exists(folder))
        {
            throw new ImageBuildException($"The flow project folder '{folder}' does not exist.");
        }

        var (dockerfile, generated) = ChooseDockerfile(request, folder);
        var extra = generated is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [dockerfile] = generated };
        var output = new EngineOutput(ImageBuildStage.Build, progress);
        var image = request.Image.ToString();
        await using (var context = await BuildContext.CreateAsync(folder, extra, cancellationToken))
        {
            var parameters = new ImageBuildParameters
            {
                Tags = [image],
                Dockerfile = dockerfile,
                Remove = true,
                ForceRemove = true,
                NoCache = request.NoCache,
                Labels = request.Labels?.ToDictionary(),
            };
            try
            {
                await _client.Images.BuildImageFromDockerfileAsync(
                    parameters,
                    context,
                    request.Credentials is null ? [] : [request.Credentials],
                    new Dictionary<string, string>(),
                    output,
                    cancellationToken);
            }
            catch (DockerApiException ex)
            {
                output.Fail(DockerErrors.Describe(ex));
            }
            catch (Exception ex) when (DockerErrors.IsEngineUnreachable(ex, cancellationToken))
            {
                throw Unreachable(ex, output);
            }
        }

        output.Complete();
        if (output.Error is { } error)
        {
            throw new ImageBuildException($"Building image {image} failed: {error}", error, output.Tail);
        }

        var id = await ImageIdAsync(image, output, cancellationToken);
        string? digest = null;
        if (request.Push)
        {
            digest = await PushAsync(request.Image, request.Credentials, progress, cancellationToken);
        }

        return new ImageBuildResult(request.Image, id, request.Push, digest, generated);
    }

    /// <summary>Same as <see cref="BuildAsync(ImageBuildRequest, IProgress{ImageBuildLine}, CancellationToken)"/>, with each line handed to <paramref name="onLine"/> as it comes.</summary>
    public Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<ImageBuildLine> onLine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        return BuildAsync(request, new SyncProgress<ImageBuildLine>(onLine), cancellationToken);
    }

    /// <summary>Pushes a local image to its registry.</summary>
    /// <returns>The registry's digest of the image, when the engine reported one.</returns>
    /// <exception cref="ImageBuildException">The engine refused or failed the push.</exception>
    public async Task<string?> PushAsync(ImageReference image, AuthConfig? credentials = null, IProgress<ImageBuildLine>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var output = new EngineOutput(ImageBuildStage.Push, progress);
        output.Line($"Pushing {image} ...");
        try
        {
            // The engine wants an X-Registry-Auth header even without credentials: an empty one is "anonymous".
            await _client.Images.PushImageAsync(image.FullName, new ImagePushParameters { Tag = image.Tag }, credentials ?? new AuthConfig(), output, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            output.Fail(DockerErrors.Describe(ex));
        }
        catch (Exception ex) when (DockerErrors.IsEngineUnreachable(ex, cancellationToken))
        {
            throw Unreachable(ex, output, ImageBuildStage.Push);
        }

        output.Complete();
        if (output.Error is { } error)
        {
            throw new ImageBuildException($"Pushing image {image} failed: {error}", error, output.Tail, stage: ImageBuildStage.Push);
        }

        return output.Digest;
    }

    public void Dispose()
    {
        if (_ownedConfiguration is not null)
        {
            _client.Dispose();
            _ownedConfiguration.Dispose();
        }
    }

    private static (string Name, string? Generated) ChooseDockerfile(ImageBuildRequest request, string folder)
    {
        var setting = request.Dockerfile?.Trim();
        if (string.IsNullOrEmpty(setting) || string.Equals(setting, "auto", StringComparison.OrdinalIgnoreCase))
        {
            if (File.Exists(Path.Combine(folder, "Dockerfile")))
            {
                return ("Dockerfile", null);
            }

            try
            {
                return ("Dockerfile", Dockerfiles.Generate(request.BaseImage, request.Command));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidRequestException)
            {
                throw new ImageBuildException($"Cannot generate a Dockerfile: {ex.Message}", innerException: ex);
            }
        }

        var relative = setting.Replace('\\', '/');
        var full = Path.GetFullPath(Path.Combine(folder, relative));
        if (Path.IsPathRooted(relative) || !full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ImageBuildException($"The Dockerfile '{setting}' must be inside the project folder {folder}, relative to it.");
        }

        if (!File.Exists(full))
        {
            throw new ImageBuildException($"The Dockerfile '{setting}' does not exist in {folder}.");
        }

        if (Path.GetRelativePath(folder, full).Replace('\\', '/').Split('/').Any(BuildContext.Skipped.Contains))
        {
            throw new ImageBuildException($"The Dockerfile '{setting}' is in a folder left out of the build context (bin, obj, .git).");
        }

        return (Path.GetRelativePath(folder, full).Replace('\\', '/'), null);
    }

    private async Task<string> ImageIdAsync(string image, EngineOutput output, CancellationToken cancellationToken)
    {
        try
        {
            return (await _client.Images.InspectImageAsync(image, cancellationToken)).ID;
        }
        catch (DockerApiException ex)
        {
            throw new ImageBuildException($"The build reported no error, but image {image} is not there: {DockerErrors.Describe(ex)}", DockerErrors.Describe(ex), output.Tail, ex);
        }
    }

    private ImageBuildException Unreachable(Exception exception, EngineOutput output, ImageBuildStage stage = ImageBuildStage.Build) =>
        new($"Cannot reach {_engine}: {exception.GetBaseException().Message}", exception.GetBaseException().Message, output.Tail, exception, engineUnreachable: true, stage);
}

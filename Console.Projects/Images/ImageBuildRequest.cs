using System.Text.Json.Nodes;
using Console.Projects.Flows;
using Docker.DotNet.Models;

namespace Console.Projects.Images;

/// <summary>What to build: a flow project folder as an image, tagged, and optionally pushed.</summary>
public sealed record ImageBuildRequest
{
    /// <summary>The base of a generated Dockerfile when neither the request nor the pool names one (the docker pool's default image).</summary>
    public const string DefaultBaseImage = Console.Contracts.WorkPools.WorkPoolTypes.DefaultImage;

    /// <summary>The flow project folder: the build context.</summary>
    public required string ProjectDirectory { get; init; }

    public required ImageReference Image { get; init; }

    /// <summary>
    /// The Dockerfile, relative to the project. Null or <c>auto</c>: the project's own
    /// <c>Dockerfile</c> when it has one, else a generated one (see <see cref="Dockerfiles.Generate"/>).
    /// </summary>
    public string? Dockerfile { get; init; }

    /// <summary>The <c>FROM</c> of a generated Dockerfile: usually the docker pool's <c>image</c> variable (<see cref="BaseImageOf"/>).</summary>
    public string BaseImage { get; init; } = DefaultBaseImage;

    /// <summary>The flow's command, the <c>CMD</c> (exec form) of a generated Dockerfile; none when null.</summary>
    public string? Command { get; init; }

    /// <summary>Push the image to its registry after the build.</summary>
    public bool Push { get; init; }

    /// <summary>Registry credentials for the push (and for a base image in a private registry).</summary>
    public AuthConfig? Credentials { get; init; }

    public bool NoCache { get; init; }

    /// <summary>Labels set on the image.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>
    /// The build a saved deployment asks for (its <c>build:</c> section): the image
    /// <c>repository/image_name:tag</c> of the project folder, with the deployment's command as CMD.
    /// </summary>
    /// <param name="poolBaseImage">The docker pool's <c>image</c> variable (<see cref="BaseImageOf"/>); the section's <c>base_image</c> wins.</param>
    /// <exception cref="FlowProjectException">The deployment has no build section, or names a flow or image that cannot be.</exception>
    public static ImageBuildRequest For(FlowProject project, ManifestDeployment deployment, string? poolBaseImage = null, AuthConfig? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(deployment);
        if (deployment.Build is null)
        {
            throw new FlowProjectException($"deployment '{deployment.Name}' has no 'build' section.");
        }

        return For(project.Folder, deployment, project.ToCreateRequest(deployment).Command, poolBaseImage, credentials);
    }

    /// <summary>The build of a deployment's <c>build:</c> section, with <paramref name="command"/> (the deployment's) as CMD.</summary>
    /// <exception cref="FlowProjectException">The deployment has no build section, or names an image that cannot be.</exception>
    public static ImageBuildRequest For(string projectFolder, ManifestDeployment deployment, string? command, string? poolBaseImage = null, AuthConfig? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(projectFolder);
        ArgumentNullException.ThrowIfNull(deployment);
        var build = deployment.Build
            ?? throw new FlowProjectException($"deployment '{deployment.Name}' has no 'build' section.");
        return new ImageBuildRequest
        {
            ProjectDirectory = projectFolder,
            Image = DeploymentMapping.ImageOf(build, deployment.Name!),
            Dockerfile = build.Dockerfile,
            BaseImage = build.BaseImage ?? poolBaseImage ?? DefaultBaseImage,
            Command = command,
            Push = build.Push ?? false,
            Credentials = credentials,
        };
    }

    /// <summary>The default of the <c>image</c> variable in a pool's base job template, or null when it declares none.</summary>
    public static string? BaseImageOf(JsonObject? baseJobTemplate) =>
        baseJobTemplate?["variables"]?["properties"]?["image"]?["default"] is JsonValue value
        && value.TryGetValue<string>(out var image) && !string.IsNullOrWhiteSpace(image)
            ? image
            : null;
}

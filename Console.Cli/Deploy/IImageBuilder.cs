namespace Console.Cli.Deploy;

/// <summary>What <c>deploy</c> asks to build: the flow project as an image, tagged, optionally pushed.</summary>
/// <param name="BaseImage">The FROM of a generated Dockerfile: the docker pool's default image.</param>
public sealed record ImageBuildRequest(string ProjectDirectory, string? Dockerfile, string Image, bool Push, string? Command, string? BaseImage = null)
{
    /// <summary><c>repository/name:tag</c>; without a repository the image is local only (<c>name:tag</c>).</summary>
    public static string Reference(string? repository, string name, string? tag) =>
        (string.IsNullOrWhiteSpace(repository) ? string.Empty : repository.Trim().TrimEnd('/') + "/")
        + name.Trim() + ":" + (string.IsNullOrWhiteSpace(tag) ? "latest" : tag.Trim());
}

/// <param name="Built">False when the builder did not build (the note says why and what to do).</param>
public sealed record ImageBuildResult(bool Built, string? Note = null);

/// <summary>Builds (and pushes) a flow project's image for a deployment; <c>deploy</c> sets the <c>image</c> job variable either way.</summary>
public interface IImageBuilder
{
    Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<string> progress, CancellationToken cancellationToken);
}

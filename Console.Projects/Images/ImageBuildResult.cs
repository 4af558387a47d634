namespace Console.Projects.Images;

/// <param name="Image">The tag the image was given.</param>
/// <param name="ImageId">The engine's id (<c>sha256:...</c>).</param>
/// <param name="Pushed">Whether it was pushed to its registry.</param>
/// <param name="Digest">The registry's digest of the pushed image, when pushed.</param>
/// <param name="GeneratedDockerfile">The Dockerfile that was generated for the build, or null when the project's own was used.</param>
public sealed record ImageBuildResult(ImageReference Image, string ImageId, bool Pushed, string? Digest, string? GeneratedDockerfile);

public enum ImageBuildStage
{
    Build,
    Push,
}

/// <summary>One line of the engine's output, for a terminal or a page to show as it comes.</summary>
public sealed record ImageBuildLine(ImageBuildStage Stage, string Text, bool IsError = false)
{
    public override string ToString() => Text;
}

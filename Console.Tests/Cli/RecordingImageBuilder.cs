using Console.Projects.Images;

namespace Console.Tests.Cli;

/// <summary>An image builder that records what <c>deploy</c> asked for and builds nothing (for tests about the request, not the engine).</summary>
internal sealed class RecordingImageBuilder : IImageBuilder
{
    public List<ImageBuildRequest> Requests { get; } = [];

    public Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<ImageBuildLine> onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onLine);
        Requests.Add(request);
        onLine(new ImageBuildLine(ImageBuildStage.Build, "Step 1/1 : FROM scratch"));
        return Task.FromResult(new ImageBuildResult(request.Image, "sha256:recorded", request.Push, null, null));
    }
}

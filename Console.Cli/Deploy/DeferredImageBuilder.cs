namespace Console.Cli.Deploy;

/// <summary>Used where no Docker engine is configured: records the image and says how to build it by hand.</summary>
public sealed class DeferredImageBuilder : IImageBuilder
{
    public Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var push = request.Push ? $" && docker push {request.Image}" : string.Empty;
        return Task.FromResult(new ImageBuildResult(false,
            $"Note: the image was not built by this command. Build it with: docker build -t {request.Image} .{push}"));
    }
}

using Console.Worker.Images;

namespace Console.Web.Components.Wizard;

/// <summary>How the wizard builds a custom image; a test may register its own.</summary>
public interface IWizardImageBuilder
{
    /// <exception cref="ImageBuildException">The engine refused or failed the build or push.</exception>
    Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<ImageBuildLine> onLine, CancellationToken cancellationToken);
}

/// <summary>Builds through the Docker engine at <paramref name="dockerHost"/> (the worker's setting).</summary>
public sealed class DockerWizardImageBuilder(string dockerHost) : IWizardImageBuilder
{
    public async Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<ImageBuildLine> onLine, CancellationToken cancellationToken)
    {
        using var builder = new ImageBuilder(dockerHost);
        return await builder.BuildAsync(request, onLine, cancellationToken);
    }
}

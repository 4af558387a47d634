namespace Console.Projects.Images;

/// <summary>
/// Builds a flow project into an image (and pushes it when the request says so). One registration
/// (<see cref="ProjectsServiceCollectionExtensions.AddFlowProjects"/>) serves the CLI's <c>deploy</c>
/// and the web wizard; a test registers its own.
/// </summary>
public interface IImageBuilder
{
    /// <param name="onLine">Each line of the engine's output, in order, on the thread reading the engine's stream.</param>
    /// <exception cref="ImageBuildException">The engine refused or failed the build or the push, or cannot be reached (<see cref="ImageBuildException.EngineUnreachable"/>).</exception>
    Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<ImageBuildLine> onLine, CancellationToken cancellationToken);
}

using Console.Projects.Images;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Console.Projects;

public static class ProjectsServiceCollectionExtensions
{
    /// <summary>
    /// The image builder of flow projects (<see cref="IImageBuilder"/>), talking to the engine of
    /// <see cref="ImageBuildOptions"/>; the host configures the options (the CLI from DOCKER_HOST,
    /// the console from the worker's setting). TryAdd, so a test's builder wins.
    /// </summary>
    public static IServiceCollection AddFlowProjects(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ImageBuildOptions>().ValidateDataAnnotations();
        services.TryAddSingleton<IImageBuilder>(sp => new ImageBuilder(sp.GetRequiredService<IOptions<ImageBuildOptions>>().Value.DockerHost));
        return services;
    }
}

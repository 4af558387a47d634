using Console.Cli.Hosting;
using Console.Projects.Images;
using Docker.DotNet.Models;

namespace Console.Cli.Deploy;

/// <summary>
/// The registry credentials of a push, from <c>CONSOLE_REGISTRY_USERNAME</c> /
/// <c>CONSOLE_REGISTRY_PASSWORD</c>, and the words of a failed push that say which of them to set.
/// </summary>
internal static class RegistryCredentials
{
    /// <returns>Null when neither is set: the push is anonymous.</returns>
    public static AuthConfig? From(CliContext cli, ImageReference image)
    {
        if (cli.RegistryUsername is null && cli.RegistryPassword is null)
        {
            return null;
        }

        if (cli.RegistryUsername is null || cli.RegistryPassword is null)
        {
            throw new UsageException(
                $"Set both {CliEnvironment.RegistryUsernameVariable} and {CliEnvironment.RegistryPasswordVariable} to push with credentials, or neither to push anonymously.");
        }

        // Docker Hub when the image names no registry host, as docker push does.
        return new AuthConfig
        {
            Username = cli.RegistryUsername,
            Password = cli.RegistryPassword,
            ServerAddress = image.Registry ?? "https://index.docker.io/v1/",
        };
    }

    public static ImageBuildException PushFailed(ImageBuildException ex, ImageReference image, AuthConfig? credentials)
    {
        var registry = image.Registry ?? "Docker Hub";
        var error = ex.EngineError ?? ex.Message;
        var hint = !IsAuthError(error) ? string.Empty
            : credentials is null
                ? $" The registry wants credentials: set {CliEnvironment.RegistryUsernameVariable} and {CliEnvironment.RegistryPasswordVariable}."
                : $" The registry refused the credentials of '{credentials.Username}' ({CliEnvironment.RegistryUsernameVariable} / {CliEnvironment.RegistryPasswordVariable}).";
        return new ImageBuildException(
            $"The image {image} was built, but pushing it to {registry} failed: {error}.{hint} The deployment was not changed.",
            error, ex.Output, ex, stage: ImageBuildStage.Push);
    }

    private static bool IsAuthError(string error) =>
        error.Contains("unauthorized", StringComparison.OrdinalIgnoreCase)
        || error.Contains("authentication required", StringComparison.OrdinalIgnoreCase)
        || error.Contains("no basic auth credentials", StringComparison.OrdinalIgnoreCase)
        || error.Contains("denied", StringComparison.OrdinalIgnoreCase);
}

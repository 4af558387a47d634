using Console.Cli.Hosting;
using Console.Projects.Images;
using Docker.DotNet.Models;

namespace Console.Cli.Deploy;

/// <summary>
/// The registry credentials of a push, from <c>CONSOLE_REGISTRY_USERNAME</c> /
/// <c>CONSOLE_REGISTRY_PASSWORD</c> or else the local docker config's login for the image's
/// registry (never from a console secret: their values reach only workers, docs/decisions/0008),
/// and the words of a failed push that say which of them to set.
/// </summary>
internal static class RegistryCredentials
{
    /// <returns>Null when neither is set: the push is anonymous.</returns>
    public static AuthConfig? From(CliContext cli, ImageReference image)
    {
        if (cli.RegistryUsername is null && cli.RegistryPassword is null)
        {
            return FromDockerConfig(cli.DockerConfigFile, image);
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

    /// <summary>
    /// The login <c>docker login</c> saved for the image's registry (an <c>auths</c> entry with
    /// <c>auth</c>, the shape a <c>registry_credentials</c> secret may hold too); null when there is
    /// none, or only a credential helper's (not read: the push is then anonymous). Another
    /// registry's entry is never used.
    /// </summary>
    private static AuthConfig? FromDockerConfig(string? file, ImageReference image)
    {
        if (file is null || !File.Exists(file) || new FileInfo(file).Length > MaxDockerConfigBytes)
        {
            return null;
        }

        try
        {
            var config = new System.Text.Json.Nodes.JsonObject
            {
                [Contracts.Security.SecretReferences.RegistryCredentialsVariable] = File.ReadAllText(file),
            };
            return Console.Worker.Infrastructure.RegistryAuth.From(config, $"{image.FullName}:{image.Tag}") is { } found
                ? new AuthConfig { Username = found.Username, Password = found.Password, ServerAddress = image.Registry ?? "https://index.docker.io/v1/" }
                : null;
        }
        catch (Exception ex) when (ex is Console.Worker.Infrastructure.InfrastructureException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private const long MaxDockerConfigBytes = 1024 * 1024;

    public static ImageBuildException PushFailed(CliContext cli, ImageBuildException ex, ImageReference image, AuthConfig? credentials)
    {
        var registry = image.Registry ?? "Docker Hub";
        var error = ex.EngineError ?? ex.Message;
        var hint = !IsAuthError(error) ? string.Empty
            : credentials is null
                ? $" The registry wants credentials: set {CliEnvironment.RegistryUsernameVariable} and {CliEnvironment.RegistryPasswordVariable}."
                : $" The registry refused the credentials of '{credentials.Username}' ({(cli.RegistryUsername is null ? $"the login for it in {cli.DockerConfigFile}" : $"{CliEnvironment.RegistryUsernameVariable} / {CliEnvironment.RegistryPasswordVariable}")}).";
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

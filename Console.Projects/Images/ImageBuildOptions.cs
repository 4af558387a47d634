using System.ComponentModel.DataAnnotations;

namespace Console.Projects.Images;

/// <summary>Where image builds go: the Docker engine the CLI or the console talks to.</summary>
public sealed class ImageBuildOptions
{
    public const string DefaultDockerHost = "unix:///var/run/docker.sock";

    /// <summary>The engine's address, e.g. <c>unix:///var/run/docker.sock</c> or <c>tcp://127.0.0.1:2375</c>.</summary>
    [Required]
    public string DockerHost { get; set; } = DefaultDockerHost;
}

namespace Console.Worker.Pull;

/// <summary>
/// Where a run's code is after its pull steps: the checkout on the worker's machine (null without a
/// <c>gitClone</c> step) and the working directory, relative to the checkout or absolute.
/// </summary>
public sealed record PulledCode(string? Checkout, string WorkingDirectory, string? Revision)
{
    /// <summary>Where containers see the checkout (mounted read-only): a fixed path, so a flow can rely on it.</summary>
    public const string ContainerPath = "/opt/console/code";

    /// <summary>The working directory on the worker's machine (process pools).</summary>
    public string HostWorkingDirectory(string fallback)
    {
        if (Path.IsPathRooted(WorkingDirectory))
        {
            return WorkingDirectory;
        }

        return Path.GetFullPath(Path.Combine(Checkout ?? fallback, WorkingDirectory));
    }

    /// <summary>The working directory inside a container; null to keep the image's.</summary>
    public string? ContainerWorkingDirectory()
    {
        if (WorkingDirectory.StartsWith('/'))
        {
            return WorkingDirectory;
        }

        if (Checkout is null)
        {
            throw new Infrastructure.InfrastructureException(
                $"setWorkingDirectory '{WorkingDirectory}' is relative, but a container has no checkout to start from: use an absolute path inside the image, or a gitClone step first.");
        }

        return WorkingDirectory == "." ? ContainerPath : $"{ContainerPath}/{WorkingDirectory}";
    }

    /// <summary>The read-only bind of the checkout, for container pools.</summary>
    public string? Bind => Checkout is null ? null : $"{Checkout}:{ContainerPath}:ro";
}

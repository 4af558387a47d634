namespace Console.Core.Deployments;

/// <summary>Rules for deployments, bound from the "Deployments" section (env: <c>Deployments__AllowLocalRepositories=true</c>).</summary>
public sealed class DeploymentOptions
{
    public const string Section = "Deployments";

    /// <summary>
    /// Whether a <c>gitClone</c> step may name a folder (or <c>file://</c> address) on the worker's
    /// machine. Off by default: a deployment author could otherwise read any repository the worker can.
    /// </summary>
    public bool AllowLocalRepositories { get; set; }

    /// <summary>
    /// Whether preflight may look for a process deployment's entrypoint in its working directory on
    /// this server's disk. Only sound where the server and its process workers share a filesystem
    /// (the embedded worker, a single machine); off, the check answers "cannot be known".
    /// </summary>
    public bool CheckEntrypointOnServer { get; set; }

    /// <summary>Whether preflight asks registries (a manifest HEAD) whether an image exists; off, it answers "cannot be known".</summary>
    public bool ProbeRegistries { get; set; } = true;
}

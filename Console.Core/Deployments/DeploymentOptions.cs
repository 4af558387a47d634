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
}

namespace Console.Core.Deployments.Preflight;

public enum ImagePresence
{
    Present,
    Absent,

    /// <summary>The registry could not be asked (unreachable, needs credentials, switched off): the image may still exist.</summary>
    Unknown,
}

/// <summary>What a registry said about an image, with a sentence for the preflight check.</summary>
public sealed record ImageLookup(ImagePresence Presence, string Message);

/// <summary>Asks the registry an image reference names whether it holds that image (a manifest <c>HEAD</c>).</summary>
public interface IImageRegistry
{
    Task<ImageLookup> LookUpAsync(string image, CancellationToken ct);
}

/// <summary>The default of hosts without an HTTP stack for it: registries are never asked.</summary>
internal sealed class NoImageRegistry : IImageRegistry
{
    public Task<ImageLookup> LookUpAsync(string image, CancellationToken ct) =>
        Task.FromResult(new ImageLookup(ImagePresence.Unknown, "this server does not look images up in registries"));
}

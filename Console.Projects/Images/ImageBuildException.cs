namespace Console.Projects.Images;

/// <summary>A build or push the engine refused or failed; <see cref="EngineError"/> is the engine's own words.</summary>
public sealed class ImageBuildException : Exception
{
    public ImageBuildException(string message, string? engineError = null, IReadOnlyList<string>? output = null, Exception? innerException = null, bool engineUnreachable = false, ImageBuildStage stage = ImageBuildStage.Build)
        : base(message, innerException)
    {
        EngineError = engineError;
        Output = output ?? [];
        EngineUnreachable = engineUnreachable;
        Stage = stage;
    }

    /// <summary>The Docker engine could not be reached at all (so a caller may say how to build by hand instead).</summary>
    public bool EngineUnreachable { get; }

    /// <summary>Whether the build or the push failed (a failed push comes after a good build).</summary>
    public ImageBuildStage Stage { get; }

    public string? EngineError { get; }

    /// <summary>The last lines of output before the failure.</summary>
    public IReadOnlyList<string> Output { get; }
}

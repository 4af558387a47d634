namespace Console.Contracts.Deployments;

/// <summary>
/// One step a worker runs, in order, before the flow starts. Exactly one of its members is set:
/// <c>{"gitClone": {...}}</c> or <c>{"setWorkingDirectory": {...}}</c>.
/// </summary>
public sealed record PullStepDto
{
    public GitCloneStep? GitClone { get; init; }
    public SetWorkingDirectoryStep? SetWorkingDirectory { get; init; }
}

/// <summary>
/// Check out a git repository; the flow runs from its root (or <see cref="Directory"/>). Without
/// <see cref="CommitSha"/> each run takes the branch's head at claim time.
/// </summary>
public sealed record GitCloneStep
{
    public string? Repository { get; init; }
    public string? Branch { get; init; }
    public string? CommitSha { get; init; }

    /// <summary>The name of a secret holding the credentials (a token, or <c>{"username","password"}</c>).</summary>
    public string? CredentialsSecret { get; init; }

    /// <summary>A folder inside the checkout to run from.</summary>
    public string? Directory { get; init; }
}

public sealed record SetWorkingDirectoryStep
{
    public string? Directory { get; init; }
}

using Console.Contracts;
using Console.Contracts.WorkPools;

namespace Console.Web.Components.Wizard;

/// <summary>
/// Step 5: the work pool and queue. A new pool is created by its own button (the page calls the
/// API and then <see cref="Created"/>); Next only checks that a pool is chosen.
/// </summary>
public sealed class PoolStep
{
    public IReadOnlyList<WorkPoolDto> Pools { get; set; } = [];

    public string? PoolName { get; set; }

    public string? PoolError { get; set; }

    public bool NewPool { get; set; }

    public string NewPoolName { get; set; } = string.Empty;

    public string NewPoolType { get; set; } = WorkPoolTypes.Process;

    public string? NewPoolError { get; set; }

    public IReadOnlyList<string> Queues { get; set; } = [];

    public string? QueueName { get; set; }

    public string? QueueError { get; set; }

    /// <summary>Where the worker gets the flow's code: a git repository to clone (its branch, the secret with its credentials, a subfolder)...</summary>
    public string GitRepository { get; set; } = string.Empty;

    public string GitBranch { get; set; } = string.Empty;

    public string? GitCredentialsSecret { get; set; }

    public string GitDirectory { get; set; } = string.Empty;

    /// <summary>... and the folder the command starts in (in the checkout, or on the worker's machine).</summary>
    public string WorkingDirectory { get; set; } = string.Empty;

    /// <summary>The secrets a gitClone step may name (listed for admins only; others type the name).</summary>
    public IReadOnlyList<string> SecretNames { get; set; } = [];

    /// <summary>The project folder's git checkout, when the server sees the folder and it is one with a remote.</summary>
    public Projects.Git.GitCheckout? Checkout { get; set; }

    /// <summary>Why cloning the checkout's remote would not run what is in the folder (unpushed commits...), shown while the clone is chosen.</summary>
    public string? GitWarning => Checkout is { } checkout && UsesCheckoutRemote ? checkout.Warning : null;

    /// <summary>Whether the clone fields name the project checkout's remote.</summary>
    public bool UsesCheckoutRemote => Checkout is { } checkout && string.Equals(GitRepository.Trim(), checkout.Remote, StringComparison.Ordinal);

    /// <summary>Whether the checkout's remote can be offered: a worker can clone it (not a path on this machine).</summary>
    public bool CanOfferClone => Checkout is { IsCloneable: true } && !UsesCheckoutRemote;

    /// <summary>
    /// As <c>cx deploy</c> does: a process pool whose flow-code fields are empty starts its runs in
    /// the project folder (a <c>setWorkingDirectory</c> step); nothing for container pools, whose image holds the code.
    /// </summary>
    public void PrefillCode(string? projectFolder)
    {
        // What was prefilled follows the project and the pool; what the user typed stays.
        var untouched = GitRepository.Trim().Length == 0 && (WorkingDirectory.Trim().Length == 0 || WorkingDirectory == _prefilled);
        if (!untouched)
        {
            return;
        }

        WorkingDirectory = Pool?.Type == WorkPoolTypes.Process && projectFolder is not null ? projectFolder : string.Empty;
        _prefilled = WorkingDirectory;
    }

    private string? _prefilled;

    /// <summary>The fields from saved pull steps (the first clone and the last working directory), in place of what they held.</summary>
    public void Load(IEnumerable<Contracts.Deployments.PullStepDto> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        GitRepository = GitBranch = GitDirectory = WorkingDirectory = string.Empty;
        GitCredentialsSecret = null;
        _prefilled = null;
        foreach (var step in steps)
        {
            if (step.GitClone is { } clone && GitRepository.Length == 0)
            {
                GitRepository = clone.Repository ?? string.Empty;
                GitBranch = clone.Branch ?? string.Empty;
                GitCredentialsSecret = clone.CredentialsSecret;
                GitDirectory = clone.Directory ?? string.Empty;
            }
            else if (step.SetWorkingDirectory?.Directory is { } directory)
            {
                WorkingDirectory = directory;
            }
        }
    }

    /// <summary>Clone the project checkout's remote and current branch instead (the project's subfolder as the clone's directory).</summary>
    public void UseCheckoutRemote()
    {
        if (Checkout?.ToStep().GitClone is not { } clone)
        {
            return;
        }

        GitRepository = clone.Repository ?? string.Empty;
        GitBranch = clone.Branch ?? string.Empty;
        GitDirectory = clone.Directory ?? string.Empty;
        WorkingDirectory = string.Empty;
    }

    /// <summary>The deployment's pull steps from the fields above (the server checks them: 422 naming the field).</summary>
    public IReadOnlyList<Contracts.Deployments.PullStepDto>? PullSteps()
    {
        var steps = new List<Contracts.Deployments.PullStepDto>();
        if (!string.IsNullOrWhiteSpace(GitRepository))
        {
            steps.Add(new()
            {
                GitClone = new()
                {
                    Repository = GitRepository.Trim(),
                    Branch = NullIfBlank(GitBranch),
                    CredentialsSecret = NullIfBlank(GitCredentialsSecret),
                    Directory = NullIfBlank(GitDirectory),
                },
            });
        }

        if (!string.IsNullOrWhiteSpace(WorkingDirectory))
        {
            steps.Add(new() { SetWorkingDirectory = new() { Directory = WorkingDirectory.Trim() } });
        }

        return steps.Count > 0 ? steps : null;
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    public WorkPoolDto? Pool => Pools.FirstOrDefault(p => p.Name == PoolName);

    public bool IsContainerPool => Pool?.Type is WorkPoolTypes.Docker or WorkPoolTypes.DockerSwarm;

    public CreateWorkPoolRequest ToCreateRequest() => new() { Name = NewPoolName.Trim(), Type = NewPoolType };

    /// <summary>The new pool exists: it becomes the chosen one.</summary>
    public void Created(WorkPoolDto pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Pools = [.. Pools.Where(p => p.Name != pool.Name).Append(pool).OrderBy(p => p.Name, StringComparer.Ordinal)];
        NewPool = false;
        NewPoolName = string.Empty;
        NewPoolError = null;
        PoolName = pool.Name;
        PoolError = null;
    }

    /// <summary>A pool is chosen (a new one must be created first).</summary>
    public bool Check()
    {
        if (NewPool)
        {
            NewPoolError = "Create the new pool first (or choose an existing one).";
            return false;
        }

        if (PoolName is null)
        {
            PoolError = "Choose the work pool its runs go to.";
            return false;
        }

        return true;
    }
}

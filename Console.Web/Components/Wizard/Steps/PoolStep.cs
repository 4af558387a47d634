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

    /// <summary>Where the worker gets the flow's code: a git repository to clone (and its branch)...</summary>
    public string GitRepository { get; set; } = string.Empty;

    public string GitBranch { get; set; } = string.Empty;

    /// <summary>... and the folder the command starts in (in the checkout, or on the worker's machine).</summary>
    public string WorkingDirectory { get; set; } = string.Empty;

    /// <summary>The deployment's pull steps from the fields above (the server checks them: 422 naming the field).</summary>
    public IReadOnlyList<Contracts.Deployments.PullStepDto>? PullSteps()
    {
        var steps = new List<Contracts.Deployments.PullStepDto>();
        if (!string.IsNullOrWhiteSpace(GitRepository))
        {
            steps.Add(new() { GitClone = new() { Repository = GitRepository.Trim(), Branch = string.IsNullOrWhiteSpace(GitBranch) ? null : GitBranch.Trim() } });
        }

        if (!string.IsNullOrWhiteSpace(WorkingDirectory))
        {
            steps.Add(new() { SetWorkingDirectory = new() { Directory = WorkingDirectory.Trim() } });
        }

        return steps.Count > 0 ? steps : null;
    }

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

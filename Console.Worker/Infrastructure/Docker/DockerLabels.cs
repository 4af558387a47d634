using Console.Contracts.Security;

namespace Console.Worker.Infrastructure.Docker;

/// <summary>
/// Labels the worker puts on every container and Swarm service it starts, so any worker of the pool
/// can find them again (adoption after a restart, fencing of runs that lost their worker). Every
/// key under <see cref="ReservedPrefix"/> is the worker's: a job's own labels never set or remove one.
/// </summary>
public static class DockerLabels
{
    /// <summary>The server refuses job labels under this prefix (422); the worker drops any that get through.</summary>
    public const string ReservedPrefix = ReservedLabels.Prefix;

    public const string FlowRunId = "console.flow-run-id";
    public const string Worker = "console.worker";
    public const string Pool = "console.work-pool";
    public const string FlowRunName = "console.flow-run-name";

    /// <summary>The pool type that made it (<c>docker</c>, <c>docker-swarm</c>): Swarm's task containers are the Swarm type's, whatever other labels say.</summary>
    public const string Type = "console.infrastructure-type";

    /// <summary>Whether the worker removes the container after the run's end is reported.</summary>
    public const string AutoRemove = "console.auto-remove";

    /// <summary>The job configuration's own labels, minus any reserved key, plus the worker's.</summary>
    public static Dictionary<string, string> For(RunSpec spec, IReadOnlyDictionary<string, string> own, string type)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(own);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in own)
        {
            if (!ReservedLabels.IsReserved(key))
            {
                labels[key] = value;
            }
        }

        labels[FlowRunId] = spec.Run.Id.ToString();
        labels[Worker] = spec.WorkerName;
        labels[Pool] = spec.Run.WorkPoolName;
        labels[FlowRunName] = spec.Run.Name;
        labels[Type] = type;
        return labels;
    }

    /// <summary>The job configuration's env plus what the worker injects (run id, API URL, parameters), which wins.</summary>
    public static Dictionary<string, string> Environment(RunSpec spec, IReadOnlyDictionary<string, string> own)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var env = new Dictionary<string, string>(own, StringComparer.Ordinal);
        foreach (var (key, value) in spec.InjectedEnvironment)
        {
            env[key] = value;
        }

        return env;
    }

    /// <summary>What the labels of a container or service say about it; null when it is not a run's.</summary>
    public static OrphanInfo? Describe(string id, IDictionary<string, string>? labels, bool isRunning)
    {
        if (labels is null || !labels.TryGetValue(FlowRunId, out var runId) || !Guid.TryParse(runId, out var run))
        {
            return null;
        }

        var autoRemove = !labels.TryGetValue(AutoRemove, out var remove) || remove != "false";
        return new OrphanInfo(id, run, isRunning, autoRemove, labels.TryGetValue(Worker, out var worker) ? worker : null);
    }
}

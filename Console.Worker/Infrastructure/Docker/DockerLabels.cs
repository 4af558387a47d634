namespace Console.Worker.Infrastructure.Docker;

/// <summary>Labels the worker puts on every container it starts, so it can find them after a restart.</summary>
public static class DockerLabels
{
    public const string FlowRunId = "console.flow-run-id";
    public const string Worker = "console.worker";
    public const string Pool = "console.work-pool";
    public const string FlowRunName = "console.flow-run-name";

    /// <summary>Whether the worker removes the container after the run's end is reported.</summary>
    public const string AutoRemove = "console.auto-remove";

    /// <summary>The job configuration's own labels plus the worker's, which win (they are how it finds its runs again).</summary>
    public static Dictionary<string, string> For(RunSpec spec, IReadOnlyDictionary<string, string> own)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new Dictionary<string, string>(own, StringComparer.Ordinal)
        {
            [FlowRunId] = spec.Run.Id.ToString(),
            [Worker] = spec.WorkerName,
            [Pool] = spec.Run.WorkPoolName,
            [FlowRunName] = spec.Run.Name,
        };
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
}

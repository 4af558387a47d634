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
}

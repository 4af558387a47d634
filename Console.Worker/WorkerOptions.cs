using System.ComponentModel.DataAnnotations;
using Console.Contracts.Common;
namespace Console.Worker;

/// <summary>Settings of a worker, bound from the "Worker" section (env: <c>Worker__Pools__0=...</c>).</summary>
public sealed class WorkerOptions : IValidatableObject
{
    public const string Section = "Worker";

    /// <summary>Whether the host runs the worker at all (the web host's embedded worker is off unless set).</summary>
    public bool Enabled { get; set; }

    /// <summary>The work pools this worker serves; each gets its own poll loop and its own <see cref="Limit"/>.</summary>
    public List<string> Pools { get; set; } = [];

    /// <summary>
    /// The worker's name in every pool. Default: machine name plus a short random suffix, kept in
    /// <see cref="StateDirectory"/> when one is set so that a restarted worker finds its containers again.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>Queues to poll; empty means every queue of the pool.</summary>
    public List<string> Queues { get; set; } = [];

    /// <summary>Maximum concurrent runs per pool.</summary>
    [Range(1, 1000)]
    public int Limit { get; set; } = 10;

    [Range(1, 3600)]
    public int HeartbeatIntervalSeconds { get; set; } = 10;

    /// <summary>How long the server holds a poll open when nothing is due.</summary>
    [Range(0, 300)]
    public double PollWaitSeconds { get; set; } = 30;

    /// <summary>How often the worker asks the server whether a running run was cancelled.</summary>
    [Range(0.05, 60)]
    public double CancelCheckSeconds { get; set; } = 1;

    /// <summary>How long a cancelled run may take to stop before it is killed.</summary>
    [Range(0, 3600)]
    public int CancelGraceSeconds { get; set; } = 10;

    /// <summary>
    /// How long a draining worker waits for its runs to end; then it stops them (grace period, then
    /// kill) and reports them Crashed. 0 stops them at once.
    /// </summary>
    [Range(0, 604800)]
    public int DrainTimeoutSeconds { get; set; } = 600;

    /// <summary>
    /// True when the worker is the process (<c>cx worker start</c>): a stop (SIGTERM, Ctrl+C) drains
    /// first, and a drain asked for over REST ends the process. The web host's embedded worker stops
    /// with its host as before and, drained over REST, stays stopped until the host restarts.
    /// </summary>
    public bool DrainOnStop { get; set; }

    [Required]
    [Url]
    public string ApiUrl { get; set; } = "http://127.0.0.1:5000";

    public string? ApiKey { get; set; }

    /// <summary>
    /// The API address flows are told (<c>CONSOLE_API_URL</c>); defaults to <see cref="ApiUrl"/>. Set it
    /// when the worker reaches the server over loopback but containers need another address.
    /// </summary>
    [Url]
    public string? FlowApiUrl { get; set; }

    /// <summary>Overrides the pool's type (which infrastructure runs the flows).</summary>
    public string? Type { get; set; }

    /// <summary>Creates the pool (with <see cref="Type"/>, else <c>process</c>) when it does not exist, as Prefect's worker does.</summary>
    public bool CreatePoolIfMissing { get; set; } = true;

    [Required]
    public string DockerHost { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>What the job policy knows of this host: the folder of the engine socket it talks to is never bound into runs.</summary>
    internal global::Console.Contracts.Security.WorkerHost Host =>
        new(Uri.TryCreate(DockerHost, UriKind.Absolute, out var uri) && uri.IsUnc is false && uri.Scheme == "unix"
            && Path.GetDirectoryName(uri.AbsolutePath) is { Length: > 1 } folder
                ? [global::Console.Contracts.Security.HostPaths.Normalize(folder)]
                : []);

    /// <summary>Where process runs start when their job configuration names no working_dir.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>
    /// Optional folder for the worker's durable state: its generated name and the outbox journal of
    /// undelivered state reports and logs. Without it the outbox lives in memory only.
    /// </summary>
    public string? StateDirectory { get; set; }

    /// <summary>The longest one git command of a run's pull steps (a clone, a fetch) may take.</summary>
    [Range(5, 3600)]
    public int PullTimeoutSeconds { get; set; } = 600;

    /// <summary>Log lines are shipped when this many are buffered ...</summary>
    [Range(1, 10000)]
    public int LogBatchLines { get; set; } = 100;

    /// <summary>... or when the oldest buffered line is this old.</summary>
    [Range(10, 60000)]
    public int LogFlushMilliseconds { get; set; } = 200;

    /// <summary>
    /// Optional port of the worker's own <c>/metrics</c> (Prometheus) and <c>/health</c> endpoints;
    /// off when unset, 0 picks a free port.
    /// </summary>
    [Range(0, 65535)]
    public int? MetricsPort { get; set; }

    /// <summary>The address <see cref="MetricsPort"/> binds; loopback unless a scraper elsewhere needs it.</summary>
    public string MetricsAddress { get; set; } = "127.0.0.1";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && Pools.Count == 0)
        {
            yield return new ValidationResult("An enabled worker needs at least one pool (Worker:Pools).", [nameof(Pools)]);
        }

        foreach (var pool in Pools.Where(p => !Names.IsValid(p)))
        {
            yield return new ValidationResult($"'{pool}' is not a valid pool name.", [nameof(Pools)]);
        }

        foreach (var queue in Queues.Where(q => !Names.IsValid(q)))
        {
            yield return new ValidationResult($"'{queue}' is not a valid queue name.", [nameof(Queues)]);
        }

        if (Name is not null && !Names.IsValid(Name))
        {
            yield return new ValidationResult($"'{Name}' is not a valid worker name: 1-63 lowercase letters, digits, inner '-' or '_'.", [nameof(Name)]);
        }

        if (!System.Net.IPAddress.TryParse(MetricsAddress, out _))
        {
            yield return new ValidationResult($"'{MetricsAddress}' is not an IP address (Worker:MetricsAddress).", [nameof(MetricsAddress)]);
        }

        if (Type is not null && Type is not ("docker" or "process" or "docker-swarm"))
        {
            yield return new ValidationResult($"This worker runs 'docker', 'docker-swarm' and 'process' pools, not '{Type}'.", [nameof(Type)]);
        }
    }
}

using System.Globalization;
using System.Text;
using Console.Contracts.WorkPools;
using Console.Worker.Infrastructure.Docker;
using Docker.DotNet.Models;

namespace Console.Worker.Infrastructure.Swarm;

/// <summary>Builds the Swarm service of one run: a one-shot job with the run's labels, env, placement and resources.</summary>
internal static class SwarmServiceSpec
{
    /// <summary>
    /// A constraint no node meets: the job iteration that replaces a run's task on cancel and
    /// cleanup can never be placed (see <see cref="SwarmRunHandle"/>).
    /// </summary>
    public const string NoNode = "node.id==console-retired";

    public static ServiceSpec Create(RunSpec spec, SwarmJobConfiguration config, TimeSpan stopGrace)
    {
        var env = DockerLabels.Environment(spec, config.Env);
        var labels = DockerLabels.For(spec, config.Labels, WorkPoolTypes.DockerSwarm);
        // The pull steps' checkout, read-only at a fixed path: a bind on the node that runs the task (docs/decisions/0009-git-pull-steps.md).
        var mounts = config.Mounts
            .Concat(spec.Code?.Checkout is { } checkout ? [new SwarmMount(checkout, Pull.PulledCode.ContainerPath, ReadOnly: true)] : [])
            .ToList();

        return new ServiceSpec
        {
            Name = ServiceName(spec.Run.Name),
            Labels = labels,
            // Docker.DotNet 3.125.15 models ReplicatedJob (API 1.41): a plain typed request, no raw JSON needed.
            Mode = new ServiceMode { ReplicatedJob = new ReplicatedJob { MaxConcurrent = 1, TotalCompletions = 1 } },
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new ContainerSpec
                {
                    Image = config.Image,
                    // Args, not Command: like the docker type's Cmd, the image's entrypoint stays.
                    Args = config.Command is { Count: > 0 } command ? [.. command] : null,
                    Env = [.. env.Select(e => $"{e.Key}={e.Value}")],
                    Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
                    TTY = false,
                    StopGracePeriod = stopGrace.Ticks * 100, // nanoseconds
                    Dir = spec.Code?.ContainerWorkingDirectory(),
                    Mounts = mounts.Count == 0 ? null : [.. mounts.Select(m => new Mount
                    {
                        Type = m.IsBind ? "bind" : "volume",
                        Source = m.Source,
                        Target = m.Target,
                        ReadOnly = m.ReadOnly,
                    })],
                },
                // A run happens once: a failed job is the run's failure, never retried by Swarm.
                RestartPolicy = new SwarmRestartPolicy { Condition = "none" },
                Placement = new Placement { Constraints = [.. config.Constraints] },
                Resources = new ResourceRequirements
                {
                    Limits = new SwarmLimit { NanoCPUs = config.Limits.NanoCpus ?? 0, MemoryBytes = config.Limits.MemoryBytes ?? 0 },
                    Reservations = new SwarmResources { NanoCPUs = config.Reservations.NanoCpus ?? 0, MemoryBytes = config.Reservations.MemoryBytes ?? 0 },
                },
                Networks = config.Networks.Count == 0 ? null : [.. config.Networks.Select(n => new NetworkAttachmentConfig { Target = n })],
            },
        };
    }

    /// <summary>Swarm names: letters, digits, inner '-' or '_', at most 63 characters.</summary>
    private static string ServiceName(string runName)
    {
        var name = new StringBuilder("console-");
        foreach (var c in runName.ToLowerInvariant().Take(40))
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        // A suffix of its own: a run released and claimed again gets a second service.
        return name.Append('-').Append(Random.Shared.Next(0x1000000).ToString("x6", CultureInfo.InvariantCulture)).ToString();
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Worker.Infrastructure.Docker;

namespace Console.Worker.Infrastructure.Swarm;

/// <summary>CPU (billionths of a CPU) and memory (bytes) of a Swarm limit or reservation; null is "none".</summary>
public sealed record SwarmResourceAmounts(long? NanoCpus, long? MemoryBytes)
{
    public static SwarmResourceAmounts None { get; } = new(null, null);
}

/// <summary>A mount of a Swarm job: a path on the node (bind) or a named volume.</summary>
public sealed record SwarmMount(string Source, string Target, bool ReadOnly)
{
    public bool IsBind => Source.StartsWith('/');
}

/// <summary>The docker-swarm pool type's job configuration (see WorkPoolTypes.Swarm), read and checked.</summary>
public sealed record SwarmJobConfiguration
{
    public required string Image { get; init; }

    /// <summary>Null: the image's own command.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Constraints { get; init; } = [];

    public SwarmResourceAmounts Limits { get; init; } = SwarmResourceAmounts.None;

    public SwarmResourceAmounts Reservations { get; init; } = SwarmResourceAmounts.None;

    public IReadOnlyList<string> Networks { get; init; } = [];

    public IReadOnlyList<SwarmMount> Mounts { get; init; } = [];

    public bool StreamOutput { get; init; } = true;

    /// <summary>Sent with the service's creation so every node can pull the image (registry_credentials); null: anonymous.</summary>
    public global::Docker.DotNet.Models.AuthConfig? RegistryAuth { get; init; }

    /// <exception cref="InfrastructureException">A value that cannot be used, with a message naming it.</exception>
    public static SwarmJobConfiguration Parse(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var image = JobConfig.String(config, "image")
            ?? throw new InfrastructureException("The job configuration names no image: set the 'image' job variable.");
        var command = JobConfig.String(config, "command");
        var resources = config["resources"] switch
        {
            null => [],
            JsonObject obj => obj,
            JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0 => [],
            var other => throw new InfrastructureException($"The job configuration's 'resources' must be an object with 'limits' and 'reservations', not {other.ToJsonString()}."),
        };
        return new SwarmJobConfiguration
        {
            Image = image,
            Command = command is null ? null : DockerJobConfiguration.SplitCommand(command),
            Env = JobConfig.StringMap(config, "env"),
            Labels = JobConfig.StringMap(config, "labels"),
            Constraints = [.. JobConfig.StringList(config, "constraints").Select(c => c.Trim()).Where(c => c.Length > 0)],
            Limits = Amounts(resources, "limits"),
            Reservations = Amounts(resources, "reservations"),
            Networks = JobConfig.StringList(config, "networks"),
            Mounts = [.. JobConfig.StringList(config, "volumes").Select(ParseMount)],
            StreamOutput = JobConfig.Bool(config, "stream_output", true),
            RegistryAuth = Infrastructure.RegistryAuth.From(config, image),
        };
    }

    private static SwarmResourceAmounts Amounts(JsonObject resources, string key)
    {
        switch (resources[key])
        {
            case null:
                return SwarmResourceAmounts.None;
            case JsonObject amounts:
                var cpus = JobConfig.Number(amounts, "cpus");
                var memory = JobConfig.String(amounts, "memory");
                if (cpus is { } c && (c <= 0 || c > 1024))
                {
                    throw new InfrastructureException(
                        $"resources.{key}.cpus {c.ToString(CultureInfo.InvariantCulture)} must be above 0, e.g. 0.5 or 2.");
                }

                return new SwarmResourceAmounts(
                    cpus is { } n ? (long)Math.Round(n * 1e9) : null,
                    memory is null ? null : Memory(memory, key));
            default:
                throw new InfrastructureException($"resources.{key} must be an object with 'cpus' and 'memory'.");
        }
    }

    private static long Memory(string value, string key)
    {
        try
        {
            return DockerJobConfiguration.ParseMemory(value);
        }
        catch (InfrastructureException ex)
        {
            // The docker type's message names mem_limit; say which resource it is here.
            throw new InfrastructureException($"resources.{key}.memory: {ex.Message.Replace("mem_limit ", string.Empty, StringComparison.Ordinal)}");
        }
    }

    private static SwarmMount ParseMount(string volume)
    {
        var parts = volume.Split(':');
        var ok = parts.Length is 2 or 3
            && parts[0].Length > 0
            && parts[1].StartsWith('/')
            && (parts.Length == 2 || parts[2] is "ro" or "rw");
        return ok
            ? new SwarmMount(parts[0], parts[1], parts.Length == 3 && parts[2] == "ro")
            : throw new InfrastructureException($"Volume '{volume}' must look like 'source:/target' or 'source:/target:ro'.");
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Console.Contracts.Common;
namespace Console.Worker.Infrastructure.Docker;

public enum ImagePullPolicy { IfNotPresent, Always, Never }

/// <summary>The docker pool type's job configuration (see WorkPoolTypes), read and checked.</summary>
public sealed record DockerJobConfiguration
{
    public required string Image { get; init; }

    /// <summary>Null: the image's own command.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Volumes { get; init; } = [];

    public IReadOnlyList<string> Networks { get; init; } = [];

    public string? NetworkMode { get; init; }

    /// <summary>Bytes; null for no limit.</summary>
    public long? MemoryLimit { get; init; }

    /// <summary>Billionths of a CPU; null for no limit.</summary>
    public long? NanoCpus { get; init; }

    public bool AutoRemove { get; init; } = true;

    public ImagePullPolicy PullPolicy { get; init; } = ImagePullPolicy.IfNotPresent;

    public bool Privileged { get; init; }

    public bool StreamOutput { get; init; } = true;

    /// <summary>What the image is pulled with (registry_credentials); null pulls anonymously.</summary>
    public global::Docker.DotNet.Models.AuthConfig? RegistryAuth { get; init; }

    /// <exception cref="InfrastructureException">A value that cannot be used, with a message naming it.</exception>
    public static DockerJobConfiguration Parse(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var image = JobConfig.String(config, "image")
            ?? throw new InfrastructureException("The job configuration names no image: set the 'image' job variable.");
        var command = JobConfig.String(config, "command");
        return new DockerJobConfiguration
        {
            Image = image,
            Command = command is null ? null : SplitCommand(command),
            Env = JobConfig.StringMap(config, "env"),
            Labels = JobConfig.StringMap(config, "labels"),
            Volumes = [.. JobConfig.StringList(config, "volumes").Select(CheckVolume)],
            Networks = JobConfig.StringList(config, "networks"),
            NetworkMode = JobConfig.String(config, "network_mode"),
            MemoryLimit = JobConfig.String(config, "mem_limit") is { } mem ? ParseMemory(mem) : null,
            NanoCpus = JobConfig.Number(config, "cpus") is { } cpus ? ParseCpus(cpus) : null,
            AutoRemove = JobConfig.Bool(config, "auto_remove", true),
            PullPolicy = ParsePullPolicy(JobConfig.String(config, "image_pull_policy")),
            Privileged = JobConfig.Bool(config, "privileged", false),
            StreamOutput = JobConfig.Bool(config, "stream_output", true),
            RegistryAuth = Infrastructure.RegistryAuth.From(config, image),
        };
    }

    internal static IReadOnlyList<string> SplitCommand(string command)
    {
        try
        {
            return CommandLine.Split(command);
        }
        catch (InvalidRequestException ex)
        {
            throw new InfrastructureException($"The command cannot be parsed: {ex.Message}");
        }
    }

    /// <summary>'512m', '2g', '1.5g', '1024k', '1048576' or '100b' to bytes (binary units, as Docker does).</summary>
    public static long ParseMemory(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim().ToLowerInvariant();
        if (text.EndsWith('b') && text.Length > 1 && !char.IsDigit(text[^2]))
        {
            text = text[..^1]; // "512mb" -> "512m"
        }

        var (number, factor) = text.Length == 0 ? (text, 0L) : text[^1] switch
        {
            'b' => (text[..^1], 1L),
            'k' => (text[..^1], 1L << 10),
            'm' => (text[..^1], 1L << 20),
            'g' => (text[..^1], 1L << 30),
            't' => (text[..^1], 1L << 40),
            _ => (text, 1L),
        };
        if (factor == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            throw new InfrastructureException($"mem_limit '{value}' is not a memory size: use e.g. '512m' or '2g'.");
        }

        var bytes = (long)(amount * factor);
        if (bytes < 6 << 20)
        {
            throw new InfrastructureException($"mem_limit '{value}' is below Docker's minimum of 6m.");
        }

        return bytes;
    }

    private static long ParseCpus(double cpus) =>
        cpus > 0 && cpus <= 1024
            ? (long)Math.Round(cpus * 1e9)
            : throw new InfrastructureException($"cpus {cpus.ToString(CultureInfo.InvariantCulture)} must be above 0, e.g. 0.5 or 2.");

    private static ImagePullPolicy ParsePullPolicy(string? value) => value switch
    {
        null => ImagePullPolicy.IfNotPresent,
        _ when Enum.TryParse<ImagePullPolicy>(value, ignoreCase: true, out var policy) => policy,
        _ => throw new InfrastructureException($"image_pull_policy '{value}' must be Always, IfNotPresent or Never."),
    };

    private static string CheckVolume(string volume)
    {
        var parts = volume.Split(':');
        var ok = parts.Length is 2 or 3
            && parts[0].Length > 0
            && parts[1].StartsWith('/')
            && (parts.Length == 2 || parts[2].Split(',').All(o => o is "ro" or "rw" or "z" or "Z" or "shared" or "slave" or "private" or "rshared" or "rslave" or "rprivate" or "nocopy"));
        return ok
            ? volume
            : throw new InfrastructureException($"Volume '{volume}' must look like 'source:/target' or 'source:/target:ro'.");
    }
}

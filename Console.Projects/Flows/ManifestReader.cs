using System.Globalization;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using YamlDotNet.RepresentationModel;

namespace Console.Projects.Flows;

/// <summary>
/// Reads console.yaml's document into a <see cref="FlowManifest"/>. Entries are strict (an unknown
/// key is an error, so a typo such as <c>schedule:</c> never goes unnoticed); the top level is not,
/// since teams keep their own sections there (YAML anchors under <c>definitions:</c>, for example).
/// </summary>
internal sealed class ManifestReader(string path)
{
    private static readonly string[] FlowKeys = ["name", "entrypoint", "command", "description"];

    private static readonly string[] DeploymentKeys =
        ["name", "flow", "entrypoint", "command", "description", "work_pool", "parameters", "schedules", "tags", "build", "paused", "concurrency_limit",
            "collision_strategy", "retries", "timeout_seconds", "late_policy", "pull"];

    private static readonly string[] WorkPoolKeys = ["name", "work_queue_name", "job_variables"];
    private static readonly string[] WorkQueueKeys = ["pool", "name", "description", "priority", "weight", "concurrency_limit"];
    private static readonly string[] ScheduleKeys = ["cron", "interval", "timezone", "active", "anchor_date"];
    private static readonly string[] RetryKeys = ["max_retries", "delay_seconds", "backoff_factor", "jitter_percent", "on"];
    private static readonly string[] LatePolicyKeys = ["skip_after_seconds", "max_scheduled"];
    private static readonly string[] GitCloneKeys = ["repository", "branch", "commit_sha", "credentials_secret", "directory"];
    private static readonly string[] WorkingDirectoryKeys = ["directory"];
    private static readonly string[] BuildKeys = ["dockerfile", "repository", "image_name", "tag", "push", "base_image"];

    public FlowManifest Read(YamlNode? root)
    {
        var manifest = new FlowManifest();
        if (root is null || YamlJson.IsNull(root))
        {
            return manifest;
        }

        var map = root as YamlMappingNode
            ?? throw Error(root, "the manifest must be a mapping with 'flows' and 'deployments'.");
        manifest.Name = String(map, "name");
        manifest.Flows = [.. List(map, "flows").Select(ReadFlow)];
        manifest.Deployments = [.. List(map, "deployments").Select(ReadDeployment)];
        Unique(manifest.Flows.Select(f => (f.Name!, f.Line)), "flow");
        Unique(manifest.Deployments.Select(d => ($"{d.Flow}/{d.Name}", d.Line)), "deployment");
        manifest.WorkQueues = [.. List(map, "work_queues").Select(ReadWorkQueue)];
        Unique(manifest.WorkQueues.Select(q => ($"{q.Pool}/{q.Name}", q.Line)), "work queue");
        return manifest;
    }

    private ManifestFlow ReadFlow(YamlNode node)
    {
        var map = Entry(node, "flow", FlowKeys);
        var flow = new ManifestFlow
        {
            Name = ValidName(map, "name", required: true, "flow name"),
            Entrypoint = Entrypoint(map) ?? throw Error(map, "a flow needs 'entrypoint': its file in the project folder."),
            Command = Command(map),
            Description = String(map, "description"),
            Line = Line(map),
        };
        return flow;
    }

    /// <summary>Bounds as the REST API checks them, so an error names its line.</summary>
    private ManifestWorkQueue ReadWorkQueue(YamlNode node)
    {
        var map = Entry(node, "work queue", WorkQueueKeys);
        return new ManifestWorkQueue
        {
            Pool = ValidName(map, "pool", required: true, "work pool name"),
            Name = ValidName(map, "name", required: true, "work queue name"),
            Description = String(map, "description"),
            Priority = Int(map, "priority", minimum: 1),
            Weight = Int(map, "weight", minimum: WorkQueueDto.MinWeight, maximum: WorkQueueDto.MaxWeight),
            ConcurrencyLimit = Int(map, "concurrency_limit", minimum: 0),
            Line = Line(map),
        };
    }

    private ManifestDeployment ReadDeployment(YamlNode node)
    {
        var map = Entry(node, "deployment", DeploymentKeys);
        var deployment = new ManifestDeployment
        {
            Name = ValidName(map, "name", required: true, "deployment name"),
            Flow = ValidName(map, "flow", required: false, "flow name"),
            Entrypoint = Entrypoint(map),
            Command = Command(map),
            Description = String(map, "description"),
            Parameters = Object(map, "parameters"),
            Tags = [.. List(map, "tags").Select(t => Scalar(t, "a tag"))],
            Paused = Bool(map, "paused"),
            ConcurrencyLimit = Int(map, "concurrency_limit", minimum: 0),
            CollisionStrategy = Choice<CollisionStrategy>(map, "collision_strategy"),
            Retries = Retries(map),
            TimeoutSeconds = Int(map, "timeout_seconds", minimum: 1),
            Line = Line(map),
        };

        if (Value(map, "late_policy") is { } lateNode)
        {
            var late = Entry(lateNode, "late_policy", LatePolicyKeys);
            deployment.LatePolicy = new ManifestLatePolicy
            {
                SkipAfterSeconds = Int(late, "skip_after_seconds", minimum: 1),
                MaxScheduled = Int(late, "max_scheduled", minimum: 1),
            };
        }

        if (Value(map, "work_pool") is { } poolNode)
        {
            var pool = Entry(poolNode, "work_pool", WorkPoolKeys);
            deployment.WorkPool = new ManifestWorkPool
            {
                Name = ValidName(pool, "name", required: true, "work pool name"),
                WorkQueueName = ValidName(pool, "work_queue_name", required: false),
                JobVariables = Object(pool, "job_variables"),
            };
        }

        deployment.Schedules = [.. List(map, "schedules").Select(ReadSchedule)];
        if (Value(map, "pull") is not null)
        {
            deployment.Pull = [.. List(map, "pull").Select(ReadPullStep)];
        }

        if (Value(map, "build") is { } buildNode)
        {
            var build = Entry(buildNode, "build", BuildKeys);
            deployment.Build = new ManifestBuild
            {
                Dockerfile = String(build, "dockerfile"),
                Repository = String(build, "repository"),
                ImageName = String(build, "image_name"),
                Tag = String(build, "tag"),
                Push = Bool(build, "push"),
                BaseImage = String(build, "base_image"),
            };
        }

        return deployment;
    }

    /// <summary>A <c>pull:</c> entry: <c>git_clone: {...}</c> or <c>set_working_directory: {directory: ...}</c>; the server checks the values.</summary>
    private PullStepDto ReadPullStep(YamlNode node)
    {
        var step = Entry(node, "pull step", ["git_clone", "set_working_directory"]);
        if (step.Children.Count != 1)
        {
            throw Error(step, "a pull step is one of 'git_clone:' or 'set_working_directory:'.");
        }

        if (Value(step, "git_clone") is { } cloneNode)
        {
            var clone = Entry(cloneNode, "git_clone", GitCloneKeys);
            return new PullStepDto
            {
                GitClone = new GitCloneStep
                {
                    Repository = String(clone, "repository") ?? throw Error(clone, "git_clone needs 'repository': the address to clone."),
                    Branch = String(clone, "branch"),
                    CommitSha = String(clone, "commit_sha"),
                    CredentialsSecret = String(clone, "credentials_secret"),
                    Directory = String(clone, "directory"),
                },
            };
        }

        var directory = Entry(Value(step, "set_working_directory")!, "set_working_directory", WorkingDirectoryKeys);
        return new PullStepDto
        {
            SetWorkingDirectory = new SetWorkingDirectoryStep
            {
                Directory = String(directory, "directory") ?? throw Error(directory, "set_working_directory needs 'directory'."),
            },
        };
    }

    private ManifestSchedule ReadSchedule(YamlNode node)
    {
        var map = Entry(node, "schedule", ScheduleKeys);
        var schedule = new ManifestSchedule
        {
            Cron = String(map, "cron"),
            Interval = Interval(map),
            Timezone = String(map, "timezone"),
            Active = Bool(map, "active"),
            AnchorDate = Date(map, "anchor_date"),
        };
        try
        {
            Schedules.Validate([new ScheduleDto
            {
                Cron = schedule.Cron,
                IntervalSeconds = schedule.Interval,
                Timezone = schedule.Timezone,
            }]);
        }
        catch (InvalidRequestException ex)
        {
            throw Error(map, $"invalid schedule: {ex.Message.Replace("'intervalSeconds'", "'interval'", StringComparison.Ordinal)}");
        }

        return schedule;
    }

    private YamlMappingNode Entry(YamlNode node, string what, string[] keys)
    {
        var map = node as YamlMappingNode
            ?? throw Error(node, $"a {what} entry must be a mapping of {string.Join(", ", keys)}.");
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name is null || !keys.Contains(name))
            {
                throw Error(key, $"unknown key '{name}' in a {what} entry; the known keys are {string.Join(", ", keys)}.");
            }
        }

        return map;
    }

    private static YamlNode? Value(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) && !YamlJson.IsNull(value) ? value : null;

    private IEnumerable<YamlNode> List(YamlMappingNode map, string key) => Value(map, key) switch
    {
        null => [],
        YamlSequenceNode list => list.Children,
        var other => throw Error(other, $"'{key}' must be a list."),
    };

    private string? String(YamlMappingNode map, string key) =>
        Value(map, key) is { } node ? Scalar(node, $"'{key}'") : null;

    private string Scalar(YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } text } ? text : throw Error(node, $"{what} must be a single value, not a list or mapping.");

    private string? ValidName(YamlMappingNode map, string key, bool required, string? what = null)
    {
        var name = String(map, key);
        if (name is null)
        {
            return required ? throw Error(map, $"'{key}' is missing.") : null;
        }

        return Names.IsValid(name)
            ? name
            : throw Error(Value(map, key)!, $"'{name}' is not a valid {what ?? key.Replace('_', ' ')}: use 1-63 lowercase letters, digits, and inner '-' or '_'.");
    }

    private string? Entrypoint(YamlMappingNode map)
    {
        var entrypoint = String(map, "entrypoint");
        if (entrypoint is null)
        {
            return null;
        }

        var normalized = FlowDiscovery.Normalize(entrypoint);
        return normalized.Length > 0 && !Path.IsPathRooted(normalized) && !normalized.Split('/').Contains("..")
            ? normalized
            : throw Error(Value(map, "entrypoint")!, $"'entrypoint' must be a file inside the project folder, relative to it (not '{entrypoint}').");
    }

    private string? Command(YamlMappingNode map)
    {
        var command = String(map, "command");
        try
        {
            return command is null || CommandLine.Split(command).Count > 0
                ? command
                : throw Error(Value(map, "command")!, "'command' is empty.");
        }
        catch (InvalidRequestException ex)
        {
            throw Error(Value(map, "command")!, ex.Message);
        }
    }

    private JsonObject? Object(YamlMappingNode map, string key) => Value(map, key) switch
    {
        null => null,
        YamlMappingNode node => YamlJson.ToObject(node, Error),
        var other => throw Error(other, $"'{key}' must be a mapping of names to values."),
    };

    private bool? Bool(YamlMappingNode map, string key) => Value(map, key) switch
    {
        null => null,
        YamlScalarNode node when YamlJson.Scalar(node) is JsonValue v && v.TryGetValue<bool>(out var b) => b,
        var other => throw Error(other, $"'{key}' must be true or false."),
    };

    private int? Int(YamlMappingNode map, string key, int minimum, int maximum = int.MaxValue) => Value(map, key) switch
    {
        null => null,
        YamlScalarNode node when int.TryParse(node.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= minimum && n <= maximum => n,
        var other => throw Error(other, maximum == int.MaxValue
            ? $"'{key}' must be a whole number of at least {minimum}."
            : $"'{key}' must be a whole number from {minimum} to {maximum}."),
    };

    /// <summary><c>retries: 3</c> or a mapping; bounds as the REST API checks them, so an error names its line.</summary>
    private ManifestRetries? Retries(YamlMappingNode map)
    {
        switch (Value(map, "retries"))
        {
            case null:
                return null;
            case YamlScalarNode:
                return new ManifestRetries { MaxRetries = Int(map, "retries", minimum: 0, maximum: 100) };
        }

        var retries = Entry(Value(map, "retries")!, "retries", RetryKeys);
        var on = List(retries, "on").Select(node => Enum.TryParse<FlowRunState>(Scalar(node, "a state"), ignoreCase: true, out var state)
                && FlowRunStates.Retryable.Contains(state)
                ? state
                : throw Error(node, $"'on' lists the states to retry: any of {string.Join(", ", FlowRunStates.Retryable)}.")).Distinct().ToList();
        return new ManifestRetries
        {
            MaxRetries = Int(retries, "max_retries", minimum: 0, maximum: 100),
            DelaySeconds = Int(retries, "delay_seconds", minimum: 0),
            BackoffFactor = Value(retries, "backoff_factor") switch
            {
                null => null,
                YamlScalarNode node when double.TryParse(node.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var f) && f >= 1 && f <= 100 => f,
                var other => throw Error(other, "'backoff_factor' must be a number from 1 to 100 (each retry waits that many times longer)."),
            },
            JitterPercent = Int(retries, "jitter_percent", minimum: 0, maximum: 100),
            On = Value(retries, "on") is null ? null : on,
        };
    }

    private T? Choice<T>(YamlMappingNode map, string key)
        where T : struct, Enum
    {
        if (Value(map, key) is not { } node)
        {
            return null;
        }

        var text = Scalar(node, $"'{key}'").Trim();
        return Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !text.Any(char.IsAsciiDigit)
            ? value
            : throw Error(node, $"'{key}' must be one of {string.Join(", ", Enum.GetNames<T>())}, not '{text}'.");
    }

    private int? Interval(YamlMappingNode map)
    {
        if (Value(map, "interval") is not { } node)
        {
            return null;
        }

        var text = Scalar(node, "'interval'").Trim();
        var unit = text.Length > 0 && char.IsAsciiLetter(text[^1]) ? char.ToLowerInvariant(text[^1]) : 's';
        var digits = char.IsAsciiLetter(text.LastOrDefault()) ? text[..^1] : text;
        var factor = unit switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        return factor > 0 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= int.MaxValue / factor
            ? n * factor
            : throw Error(node, $"'interval' must be a number of seconds, or a number with s, m, h or d (e.g. 90, 15m, 1h), not '{text}'.");
    }

    private DateTime? Date(YamlMappingNode map, string key)
    {
        if (Value(map, key) is not { } node)
        {
            return null;
        }

        return DateTime.TryParse(Scalar(node, $"'{key}'"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date)
            ? DateTime.SpecifyKind(date, DateTimeKind.Utc)
            : throw Error(node, $"'{key}' must be a date and time such as 2025-01-01T09:00:00Z.");
    }

    private void Unique(IEnumerable<(string Key, int? Line)> entries, string what)
    {
        var seen = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var (key, line) in entries)
        {
            if (!seen.TryAdd(key, line))
            {
                throw new FlowProjectException(
                    $"the {what} '{key.TrimStart('/')}' is listed twice (first at line {seen[key]}).", path, line);
            }
        }
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private FlowProjectException Error(YamlNode node, string reason) => ManifestYaml.Error(path, node, reason);
}

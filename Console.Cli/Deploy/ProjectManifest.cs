using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Console.Cli.Hosting;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Console.Cli.Deploy;

/// <summary>
/// A flow project's <c>console.yaml</c>: its flows and saved deployments (snake_case keys, like prefect.yaml).
/// Read through YAML -> JSON so job variables keep their types; saving edits the YAML document in
/// place, so keys this class does not know survive.
/// </summary>
public sealed class ProjectManifest
{
    public const string FileName = "console.yaml";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
    };

    public List<ManifestFlow> Flows { get; set; } = [];

    public List<ManifestDeployment> Deployments { get; set; } = [];

    /// <returns>The manifest of the folder, or null when it has none.</returns>
    public static ProjectManifest? Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var root = ReadRoot(path);
        try
        {
            return YamlJson.ToJson(root).Deserialize<ProjectManifest>(Json) ?? new ProjectManifest();
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{FileName} does not have the expected shape ({ex.Path}): {ex.Message}");
        }
    }

    /// <summary>Adds the deployment (replacing one of the same flow and name) and, when missing, its flow.</summary>
    public static void Save(string folder, ManifestDeployment deployment, ManifestFlow? flow)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var path = Path.Combine(folder, FileName);
        var root = File.Exists(path) ? ReadRoot(path) ?? new YamlMappingNode() : new YamlMappingNode();
        if (flow is not null)
        {
            var flows = Sequence(root, "flows");
            if (!flows.Children.OfType<YamlMappingNode>().Any(f => Value(f, "name") == flow.Name))
            {
                flows.Add(YamlJson.ToYaml(JsonSerializer.SerializeToNode(flow, Json)));
            }
        }

        var deployments = Sequence(root, "deployments");
        var node = YamlJson.ToYaml(JsonSerializer.SerializeToNode(deployment, Json));
        var at = deployments.Children.ToList().FindIndex(d =>
            d is YamlMappingNode m && Value(m, "name") == deployment.Name && Value(m, "flow") == deployment.Flow);
        if (at >= 0)
        {
            deployments.Children[at] = node;
        }
        else
        {
            deployments.Add(node);
        }

        using var text = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(text, assignAnchors: false);
        // The emitter closes the document with "..."; a hand-written manifest has no such line.
        var yaml = text.ToString().TrimEnd();
        yaml = yaml.EndsWith("\n...", StringComparison.Ordinal) ? yaml[..^4] : yaml;
        File.WriteAllText(path, yaml.TrimEnd() + "\n");
    }

    private static YamlMappingNode? ReadRoot(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new UsageException($"{FileName} is not valid YAML (line {ex.Start.Line}): {ex.Message}");
        }

        return stream.Documents.Count == 0 ? null
            : stream.Documents[0].RootNode as YamlMappingNode
                ?? throw new UsageException($"{FileName} must be a mapping with 'flows' and 'deployments'.");
    }

    private static YamlSequenceNode Sequence(YamlMappingNode root, string key)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(key), out var existing) && existing is YamlSequenceNode sequence)
        {
            return sequence;
        }

        sequence = [];
        root.Children[new YamlScalarNode(key)] = sequence;
        return sequence;
    }

    private static string? Value(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;
}

public sealed class ManifestFlow
{
    public string? Name { get; set; }

    public string? Entrypoint { get; set; }

    public string? Command { get; set; }
}

public sealed class ManifestDeployment
{
    public string? Name { get; set; }

    public string? Flow { get; set; }

    public string? Description { get; set; }

    /// <summary>Overrides the flow's command for this deployment.</summary>
    public string? Command { get; set; }

    public ManifestWorkPool? WorkPool { get; set; }

    public JsonObject? Parameters { get; set; }

    public List<ManifestSchedule>? Schedules { get; set; }

    public ManifestBuild? Build { get; set; }
}

public sealed class ManifestWorkPool
{
    public string? Name { get; set; }

    public string? WorkQueueName { get; set; }

    public JsonObject? JobVariables { get; set; }
}

public sealed class ManifestSchedule
{
    public string? Cron { get; set; }

    /// <summary>Seconds between runs.</summary>
    public int? Interval { get; set; }

    public string? Timezone { get; set; }

    public bool? Active { get; set; }
}

public sealed class ManifestBuild
{
    /// <summary>The project's Dockerfile, or "auto" for a generated one.</summary>
    public string? Dockerfile { get; set; }

    public string? Repository { get; set; }

    public string? ImageName { get; set; }

    public string? Tag { get; set; }

    public bool? Push { get; set; }

    [JsonIgnore]
    public string Image => ImageBuildRequest.Reference(Repository, ImageName ?? "flow", Tag);
}

using System.Text.Json.Nodes;
using Console.Contracts;

namespace Console.Contracts.WorkPools;

/// <summary>The pool types the server knows, each with the default base job template it ships.</summary>
public static partial class WorkPoolTypes
{
    public const string Process = "process";
    public const string Docker = "docker";
    public const string DockerSwarm = "docker-swarm";

    private static readonly Dictionary<string, (string Display, string Description, Func<string, JsonObject> Template)> Known = new()
    {
        [Process] = ("Process", "Runs each flow run as a local child process of the worker. Needs nothing but the worker.", _ => ProcessTemplate()),
        [Docker] = ("Docker", "Runs each flow run in its own Docker container, through the Docker engine the worker can reach.", DockerTemplate),
        [DockerSwarm] = ("Docker Swarm", "Runs each flow run as a one-off Swarm job (a replicated-job service), so runs spread over the nodes of a Docker Swarm cluster. The worker talks to a swarm manager.", DockerSwarmTemplate),
    };

    public static bool IsKnown(string? type) => type is not null && Known.ContainsKey(type);

    public static IReadOnlyList<string> Names => [.. Known.Keys];

    /// <summary>
    /// The product's default <c>image</c> of docker and docker-swarm pools: a public image with a POSIX
    /// shell, pinned by tag so runs do not change under a pool when a latest tag moves. A server
    /// sets its own with <c>WorkPools:DefaultImage</c>.
    /// </summary>
    public const string DefaultImage = "alpine:3.21";

    /// <param name="defaultImage">The <c>image</c> default of container types (the server's <c>WorkPools:DefaultImage</c>).</param>
    public static JsonObject DefaultTemplate(string type, string defaultImage = DefaultImage) => Known[type].Template(defaultImage);

    public static IReadOnlyList<WorkPoolTypeDto> All(string defaultImage = DefaultImage) =>
        [.. Known.Select(k => new WorkPoolTypeDto(k.Key, k.Value.Display, k.Value.Description, k.Value.Template(defaultImage)))];

    private static JsonObject ProcessTemplate() => new()
    {
        ["jobConfiguration"] = new JsonObject
        {
            ["command"] = "{{ command }}",
            ["working_dir"] = "{{ working_dir }}",
            ["env"] = "{{ env }}",
            ["stream_output"] = "{{ stream_output }}",
        },
        ["variables"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["command"] = Prop("string", "Command", "The command that runs the flow; defaults to the deployment's command."),
                ["working_dir"] = Prop("string", "Working directory", "Where the process starts; defaults to the worker's directory."),
                ["env"] = EnvProp(),
                ["stream_output"] = Prop("boolean", "Stream output", "Ship the process's stdout and stderr as run logs.", true),
            },
        },
    };

    private static JsonObject DockerTemplate(string defaultImage) => new()
    {
        ["jobConfiguration"] = new JsonObject
        {
            ["image"] = "{{ image }}",
            ["command"] = "{{ command }}",
            ["env"] = "{{ env }}",
            ["labels"] = "{{ labels }}",
            ["volumes"] = "{{ volumes }}",
            ["networks"] = "{{ networks }}",
            ["network_mode"] = "{{ network_mode }}",
            ["mem_limit"] = "{{ mem_limit }}",
            ["cpus"] = "{{ cpus }}",
            ["auto_remove"] = "{{ auto_remove }}",
            ["image_pull_policy"] = "{{ image_pull_policy }}",
            ["registry_credentials"] = "{{ registry_credentials }}",
            ["stream_output"] = "{{ stream_output }}",
            // Not a variable: a deployment cannot ask for it unless the platform team adds
            // "privileged" to the pool's variables (docs/architecture.md).
            ["privileged"] = false,
        },
        ["variables"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["image"] = Prop("string", "Image", "The image the container runs.", defaultImage),
                ["command"] = Prop("string", "Command", "The command the container runs; defaults to the deployment's command."),
                ["env"] = EnvProp(),
                ["labels"] = KeyValueProp("Labels", "Labels added to the container."),
                ["volumes"] = new JsonObject
                {
                    ["type"] = "array",
                    ["title"] = "Volumes",
                    ["description"] = "Volume mounts as 'source:target[:ro]'.",
                    ["items"] = new JsonObject { ["type"] = "string" },
                },
                ["networks"] = new JsonObject
                {
                    ["type"] = "array",
                    ["title"] = "Networks",
                    ["description"] = "Networks the container joins.",
                    ["items"] = new JsonObject { ["type"] = "string" },
                },
                ["network_mode"] = Prop("string", "Network mode", "The container's network mode, e.g. 'bridge' or 'none'."),
                ["mem_limit"] = Prop("string", "Memory limit", "A memory limit such as '512m' or '2g'."),
                ["cpus"] = Prop("number", "CPUs", "How many CPUs the container may use, e.g. 0.5."),
                ["auto_remove"] = Prop("boolean", "Auto remove", "Remove the container once the run has ended.", true),
                ["image_pull_policy"] = new JsonObject
                {
                    ["type"] = "string",
                    ["title"] = "Image pull policy",
                    ["description"] = "When the worker pulls the image.",
                    ["enum"] = new JsonArray("Always", "IfNotPresent", "Never"),
                    ["default"] = "IfNotPresent",
                },
                ["registry_credentials"] = RegistryCredentialsProp(),
                ["stream_output"] = Prop("boolean", "Stream output", "Ship the container's stdout and stderr as run logs.", true),
            },
        },
    };

    private static JsonObject Prop(string type, string title, string description, JsonNode? @default = null)
    {
        var prop = new JsonObject { ["type"] = type, ["title"] = title, ["description"] = description };
        if (@default is not null)
        {
            prop["default"] = @default;
        }

        return prop;
    }

    /// <summary>The name of a secret the worker pulls the image with (docs/api.md, "Registry credentials").</summary>
    internal static JsonObject RegistryCredentialsProp() => Prop("string", "Registry credentials",
        "The name of a secret holding {\"username\", \"password\"} or a docker config auth; the worker pulls the image with it.");

    private static JsonObject EnvProp() => KeyValueProp("Environment variables", "Environment variables set for the run.");

    private static JsonObject KeyValueProp(string title, string description) => new()
    {
        ["type"] = "object",
        ["title"] = title,
        ["description"] = description,
        ["additionalProperties"] = new JsonObject { ["type"] = "string" },
    };
}

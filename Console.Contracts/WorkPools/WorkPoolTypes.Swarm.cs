using System.Text.Json.Nodes;

namespace Console.Contracts.WorkPools;

public static partial class WorkPoolTypes
{
    /// <summary>
    /// The docker-swarm type: the docker type's variables where Swarm has them, plus placement
    /// constraints and resources. Swarm services have no privileged mode, network_mode or pull
    /// policy (each node pulls for itself), so those are not offered.
    /// </summary>
    private static JsonObject DockerSwarmTemplate(string defaultImage) => new()
    {
        ["jobConfiguration"] = new JsonObject
        {
            ["image"] = "{{ image }}",
            ["command"] = "{{ command }}",
            ["env"] = "{{ env }}",
            ["labels"] = "{{ labels }}",
            ["constraints"] = "{{ constraints }}",
            ["resources"] = "{{ resources }}",
            ["networks"] = "{{ networks }}",
            ["volumes"] = "{{ volumes }}",
            ["registry_credentials"] = "{{ registry_credentials }}",
            ["stream_output"] = "{{ stream_output }}",
        },
        ["variables"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["image"] = Prop("string", "Image", "The image the job runs; every node that may run it must have it or be able to pull it.", defaultImage),
                ["command"] = Prop("string", "Command", "The command the job runs; defaults to the deployment's command."),
                ["env"] = EnvProp(),
                ["labels"] = KeyValueProp("Labels", "Labels added to the service and its container."),
                ["constraints"] = StringList("Placement constraints",
                    "Swarm placement constraints, e.g. 'node.role==worker' or 'node.labels.gpu==true'; a run waits until a node satisfies all of them.",
                    new JsonArray()),
                ["resources"] = new JsonObject
                {
                    ["type"] = "object",
                    ["title"] = "Resources",
                    ["description"] = "CPU and memory limits (the most the job may use) and reservations (what a node must have free to be chosen).",
                    ["properties"] = new JsonObject
                    {
                        ["limits"] = SwarmResources("Limits"),
                        ["reservations"] = SwarmResources("Reservations"),
                    },
                    ["additionalProperties"] = false,
                },
                ["networks"] = StringList("Networks", "Swarm-scoped (overlay) networks the job joins."),
                ["volumes"] = StringList("Volumes", "Mounts as 'source:target[:ro]': a source starting with '/' is a path on the node, otherwise a named volume."),
                ["registry_credentials"] = RegistryCredentialsProp(),
                ["stream_output"] = Prop("boolean", "Stream output", "Ship the job's stdout and stderr as run logs.", true),
            },
        },
    };

    private static JsonObject SwarmResources(string title) => new()
    {
        ["type"] = "object",
        ["title"] = title,
        ["properties"] = new JsonObject
        {
            ["cpus"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["description"] = "CPUs, e.g. 0.5 or 2." },
            ["memory"] = new JsonObject { ["type"] = "string", ["description"] = "A memory size such as '512m' or '2g'." },
        },
        ["additionalProperties"] = false,
    };

    private static JsonObject StringList(string title, string description, JsonArray? @default = null)
    {
        var prop = new JsonObject
        {
            ["type"] = "array",
            ["title"] = title,
            ["description"] = description,
            ["items"] = new JsonObject { ["type"] = "string" },
        };
        if (@default is not null)
        {
            prop["default"] = @default;
        }

        return prop;
    }
}

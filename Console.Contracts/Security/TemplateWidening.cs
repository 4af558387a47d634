using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts.WorkPools;

namespace Console.Contracts.Security;

/// <summary>
/// Whether a change to a pool lets its runs do more on the host, which only an admin may decide:
/// a new type, any <c>allow*</c> flag turned on, or any change to a job configuration key that
/// reaches the host (volumes, networks, network mode, privileged, capabilities, devices ...) or to
/// the schema of a variable that feeds one. A new pool is compared with its type's default template,
/// so deleting a pool and creating it again wider is refused as well.
/// </summary>
public static class TemplateWidening
{
    /// <summary>Job configuration keys that decide what a run reaches beyond its own container.</summary>
    public static IReadOnlyList<string> HostKeys { get; } =
    [
        "volumes", "mounts", "networks", "network_mode", "privileged", "cap_add", "capabilities", "devices",
        "security_opt", "pid_mode", "ipc_mode", "userns_mode", "user", "sysctls", "runtime",
    ];

    /// <summary>Schema keywords that only describe a variable (changing them widens nothing).</summary>
    private static readonly HashSet<string> Descriptive = ["title", "description", "examples", "$comment"];

    /// <summary>What the change widens, in words, or null when it widens nothing.</summary>
    /// <param name="oldType">The pool's type before; null for a new pool.</param>
    /// <param name="oldTemplate">The template before; null for a new pool (then the type's default counts).</param>
    public static string? Describe(string? oldType, JsonObject? oldTemplate, string newType, JsonObject newTemplate)
    {
        ArgumentNullException.ThrowIfNull(newType);
        ArgumentNullException.ThrowIfNull(newTemplate);
        if (oldType is not null && !string.Equals(oldType, newType, StringComparison.Ordinal))
        {
            return $"changing the pool's type from '{oldType}' to '{newType}'";
        }

        var before = oldTemplate ?? (WorkPoolTypes.IsKnown(newType) ? WorkPoolTypes.DefaultTemplate(newType) : []);
        foreach (var (name, value) in newTemplate)
        {
            if (name.StartsWith("allow", StringComparison.Ordinal) && IsTrue(value) && !IsTrue(before[name]))
            {
                return $"turning on '{name}'";
            }
        }

        var wider = JobSecurityPolicy.HostAccessOf(newTemplate);
        var narrower = JobSecurityPolicy.HostAccessOf(before);
        if ((wider.DockerSocket && !narrower.DockerSocket) || (wider.Privileged && !narrower.Privileged) || (wider.HostNetwork && !narrower.HostNetwork))
        {
            return "letting runs reach the Docker socket, run privileged or join the host network";
        }

        var newConfiguration = newTemplate["jobConfiguration"] as JsonObject;
        var oldConfiguration = before["jobConfiguration"] as JsonObject;
        var newProperties = newTemplate["variables"]?["properties"] as JsonObject;
        var oldProperties = before["variables"]?["properties"] as JsonObject;
        foreach (var key in HostKeys)
        {
            var value = newConfiguration?[key];
            if (!JsonNode.DeepEquals(value, oldConfiguration?[key]))
            {
                return $"changing the job configuration's '{key}'";
            }

            foreach (var variable in JobTemplate.Placeholders(value))
            {
                if (!JsonNode.DeepEquals(Essential(newProperties?[variable]), Essential(oldProperties?[variable])))
                {
                    return $"changing the variable '{variable}', which sets '{key}'";
                }
            }
        }

        return null;
    }

    private static bool IsTrue(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static JsonNode? Essential(JsonNode? schema)
    {
        if (schema is not JsonObject obj)
        {
            return schema;
        }

        var copy = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (!Descriptive.Contains(name))
            {
                copy[name] = value?.DeepClone();
            }
        }

        return copy;
    }
}

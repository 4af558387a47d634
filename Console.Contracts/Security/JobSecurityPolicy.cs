using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Contracts.Common;
using Console.Contracts.WorkPools;
namespace Console.Contracts.Security;

/// <summary>
/// What a run's container may get beyond the variables schema: checked on what the job
/// configuration renders to, so a template that maps another variable name into
/// <c>volumes</c> is caught as well.
/// <list type="bullet">
/// <item>The Docker socket (any source ending in <c>docker.sock</c>, or a folder above it such as
/// <c>/var/run</c> or <c>/</c>) only where the template says <c>"allowDockerSocket": true</c> at its top level.</item>
/// <item><c>network_mode: host</c> only where the template says <c>"allowHostNetwork": true</c>, or
/// the <c>network_mode</c> variable's schema lists <c>"host"</c> in its <c>enum</c>/<c>const</c>.</item>
/// <item>The <c>host</c> network in <c>networks</c> (a Swarm job joins it that way, and the docker type
/// turns a first network into the network mode) only where the template says <c>"allowHostNetwork": true</c>.</item>
/// <item>Host-path volumes and <c>privileged</c> only where the schema declares the variable that
/// carries them (the variables schema already refuses undeclared variables).</item>
/// </list>
/// </summary>
public static partial class JobSecurityPolicy
{
    public const string AllowDockerSocket = "allowDockerSocket";
    public const string AllowHostNetwork = "allowHostNetwork";

    private static readonly HashSet<string> SocketFolders = ["", "/var", "/var/run", "/run", "/var/run/docker", "/run/docker"];

    [GeneratedRegex(@"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$", RegexOptions.CultureInvariant)]
    private static partial Regex WholePlaceholder();

    /// <summary>Checks a pool's template against its own defaults and literals (pool create and update).</summary>
    public static void CheckTemplate(JsonObject template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parsed = JobTemplate.Parse(template);
        Check(template, parsed, parsed.Merge(null), variablesField: null);
    }

    /// <summary>Checks the merged variables of a deployment or run (422 naming <c>jobVariables.&lt;name&gt;</c>).</summary>
    public static void CheckVariables(JsonObject template, JsonObject merged)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(merged);
        Check(template, JobTemplate.Parse(template), merged, variablesField: "jobVariables");
    }

    /// <summary>
    /// The worker's own check before it creates anything: the run's variables against the pool's
    /// schema (as the server checks them on create), then the same rules as <see cref="CheckVariables"/>
    /// on what they render to. A run that got past the server some other way (a tampered database,
    /// a rogue server) is refused here.
    /// </summary>
    /// <param name="variables">The run's job variables as the server sent them.</param>
    /// <param name="merged">What the worker renders: the schema defaults with <paramref name="variables"/> over them.</param>
    public static void CheckRun(JobTemplate template, JsonObject? variables, JsonObject merged)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(merged);
        template.ValidateVariables(variables);
        Check(template.Source, template, merged, variablesField: "jobVariables");
    }

    /// <summary>
    /// What a pool's template lets its runs reach on the worker's host, for the UI to warn about.
    /// Reads the raw JSON, so a template half-way through an edit gives an answer too.
    /// </summary>
    public static HostAccess HostAccessOf(JsonObject? template)
    {
        if (template is null)
        {
            return HostAccess.None;
        }

        var configuration = template["jobConfiguration"] as JsonObject;
        var properties = (template["variables"] as JsonObject)?["properties"] as JsonObject;
        var privileged = configuration?["privileged"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => VariableOf(v) is { } name && properties?[name] is JsonObject schema && MayBeTrue(schema),
            _ => false,
        };
        var hostNetwork = Flag(template, AllowHostNetwork) || SchemaNamesHost(configuration, properties)
            || (configuration?["network_mode"] is JsonValue mode && mode.GetValueKind() == JsonValueKind.String
                && string.Equals(mode.GetValue<string>().Trim(), "host", StringComparison.OrdinalIgnoreCase));
        return new HostAccess(Flag(template, AllowDockerSocket), privileged, hostNetwork);

        static bool MayBeTrue(JsonObject schema) =>
            !(schema["const"] is JsonValue c && c.GetValueKind() != JsonValueKind.True)
            && !(schema["enum"] is JsonArray values && !values.Any(e => e is JsonValue ev && ev.GetValueKind() == JsonValueKind.True));
    }

    /// <summary>Whether a volume's source is the Docker socket or a folder that holds it.</summary>
    public static bool ExposesDockerSocket(string volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var source = volume.Split(':')[0].Trim();
        if (!source.StartsWith('/'))
        {
            return source.EndsWith("docker.sock", StringComparison.OrdinalIgnoreCase);
        }

        var path = Path.TrimEndingDirectorySeparator(source.Replace("//", "/", StringComparison.Ordinal));
        path = path == "/" ? string.Empty : path;
        return path.EndsWith("docker.sock", StringComparison.OrdinalIgnoreCase) || SocketFolders.Contains(path);
    }

    private static void Check(JsonObject template, JobTemplate parsed, JsonObject variables, string? variablesField)
    {
        var rendered = parsed.Render(variables);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);

        if (!Flag(template, AllowDockerSocket) && rendered["volumes"] is JsonArray volumes
            && volumes.Any(v => v is JsonValue value && value.GetValueKind() == JsonValueKind.String && ExposesDockerSocket(value.GetValue<string>())))
        {
            errors[FieldOf(parsed, "volumes", variablesField)] =
            [
                "Mounting the Docker socket (or a folder that holds it) gives the run control of the Docker engine, i.e. root on the worker's host. " +
                $"The pool's base job template must allow it explicitly with \"{AllowDockerSocket}\": true at its top level.",
            ];
        }

        if (rendered["network_mode"] is JsonValue mode && mode.GetValueKind() == JsonValueKind.String
            && string.Equals(mode.GetValue<string>().Trim(), "host", StringComparison.OrdinalIgnoreCase)
            && !Flag(template, AllowHostNetwork) && !SchemaNamesHost(parsed))
        {
            errors[FieldOf(parsed, "network_mode", variablesField)] =
            [
                "network_mode 'host' puts the run on the worker host's network, where it reaches services listening on loopback. " +
                $"The pool's template must declare it: list \"host\" in the network_mode variable's enum, or set \"{AllowHostNetwork}\": true.",
            ];
        }

        if (rendered["networks"] is JsonArray networks && !Flag(template, AllowHostNetwork)
            && networks.Any(n => n is JsonValue value && value.GetValueKind() == JsonValueKind.String
                && string.Equals(value.GetValue<string>().Trim(), "host", StringComparison.OrdinalIgnoreCase)))
        {
            errors[FieldOf(parsed, "networks", variablesField)] =
            [
                "The 'host' network puts the run on its host's network, where it reaches services listening on loopback. " +
                $"The pool's base job template must allow it explicitly with \"{AllowHostNetwork}\": true at its top level.",
            ];
        }

        if (errors.Count > 0)
        {
            throw new UnprocessableException(variablesField is null
                ? "The base job template gives runs more than the pool allows."
                : "Job variables ask for more than the work pool allows.", errors);
        }
    }

    /// <summary>The field to blame: the variable that feeds the configuration key, else the template itself.</summary>
    private static string FieldOf(JobTemplate parsed, string key, string? variablesField)
    {
        var variable = parsed.JobConfiguration[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && WholePlaceholder().Match(v.GetValue<string>().Trim()) is { Success: true } m
                ? m.Groups[1].Value
                : null;
        return (variable, variablesField) switch
        {
            (null, _) => $"baseJobTemplate.jobConfiguration.{key}",
            (_, null) => $"baseJobTemplate.variables.properties.{variable}.default",
            _ => $"{variablesField}.{variable}",
        };
    }

    private static bool Flag(JsonObject template, string name) =>
        template[name] is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    private static bool SchemaNamesHost(JobTemplate parsed) => SchemaNamesHost(parsed.JobConfiguration, parsed.Properties);

    private static bool SchemaNamesHost(JsonObject? configuration, JsonObject? properties)
    {
        var variable = configuration?["network_mode"] is JsonValue v ? VariableOf(v) : null;
        if (variable is null || properties?[variable] is not JsonObject schema)
        {
            return false;
        }

        return schema["const"] is JsonValue c && IsHost(c)
            || (schema["enum"] is JsonArray values && values.Any(e => e is JsonValue ev && IsHost(ev)));

        static bool IsHost(JsonValue value) => value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == "host";
    }

    /// <summary>The variable a configuration value is made of entirely (<c>"{{ name }}"</c>), else null.</summary>
    private static string? VariableOf(JsonValue value) =>
        value.GetValueKind() == JsonValueKind.String && WholePlaceholder().Match(value.GetValue<string>().Trim()) is { Success: true } m
            ? m.Groups[1].Value
            : null;
}

/// <summary>What runs of a pool may reach on the worker's host beyond their own container.</summary>
public sealed record HostAccess(bool DockerSocket, bool Privileged, bool HostNetwork)
{
    public static HostAccess None { get; } = new(false, false, false);

    public bool Any => DockerSocket || Privileged || HostNetwork;
}

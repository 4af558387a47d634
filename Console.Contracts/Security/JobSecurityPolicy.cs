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
/// <item>Binds of the Docker socket or the host's system folders (<see cref="HostPaths.Protected"/>, any
/// <c>*.sock</c>, any folder above them), compared after normalising the path (and, on the worker,
/// following its symlinks), only where the template says <c>"allowDockerSocket": true</c> at its top level.</item>
/// <item><c>network_mode</c> <c>host</c>, <c>container:*</c> or <c>service:*</c> only where the
/// <c>network_mode</c> variable's schema lists that value in its <c>enum</c>/<c>const</c> (or, for
/// <c>host</c>, the template says <c>"allowHostNetwork": true</c>).</item>
/// <item>In <c>networks</c> (a Swarm job joins them that way, and the docker type turns a first network
/// into the network mode): <c>host</c> only with <c>"allowHostNetwork": true</c>, namespaces never.</item>
/// <item><c>env</c> keys are variable names, so none can smuggle a second <c>NAME=value</c>.</item>
/// <item>Host-path volumes and <c>privileged</c> only where the schema declares the variable that
/// carries them (the variables schema already refuses undeclared variables).</item>
/// </list>
/// </summary>
public static partial class JobSecurityPolicy
{
    public const string AllowDockerSocket = "allowDockerSocket";
    public const string AllowHostNetwork = "allowHostNetwork";

    [GeneratedRegex(@"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\z", RegexOptions.CultureInvariant)]
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
    /// <param name="host">What the worker knows of its host: bind sources are also checked after following its symlinks.</param>
    public static void CheckRun(JobTemplate template, JsonObject? variables, JsonObject merged, WorkerHost? host = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(merged);
        template.ValidateVariables(variables);
        Check(template.Source, template, merged, variablesField: "jobVariables", host);
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
        var hostNetwork = Flag(template, AllowHostNetwork) || SchemaNames(configuration, properties, "host")
            || (configuration?["network_mode"] is JsonValue mode && mode.GetValueKind() == JsonValueKind.String
                && string.Equals(mode.GetValue<string>().Trim(), "host", StringComparison.OrdinalIgnoreCase));
        return new HostAccess(Flag(template, AllowDockerSocket), privileged, hostNetwork);

        static bool MayBeTrue(JsonObject schema) =>
            !(schema["const"] is JsonValue c && c.GetValueKind() != JsonValueKind.True)
            && !(schema["enum"] is JsonArray values && !values.Any(e => e is JsonValue ev && ev.GetValueKind() == JsonValueKind.True));
    }

    /// <summary>
    /// Whether a volume's source is the Docker socket, a folder that holds it, or another part of the
    /// host that gives the run the host (see <see cref="HostPaths"/>); compared after normalisation.
    /// </summary>
    /// <param name="volume">A bind as the job configuration says it: <c>source:/target[:options]</c>.</param>
    /// <param name="host">The worker's own view of its host (symlinks, its engine's socket); null on the server.</param>
    public static bool ExposesDockerSocket(string volume, WorkerHost? host = null)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var source = volume.Split(':')[0].Trim();
        if (!source.StartsWith('/'))
        {
            // A named volume: only a name that passes for the socket itself is suspicious.
            return source.EndsWith(".sock", StringComparison.OrdinalIgnoreCase);
        }

        var normalized = HostPaths.Normalize(source);
        return HostPaths.IsProtected(normalized, host?.Protected)
            || (host is not null && HostPaths.IsProtected(HostPaths.ResolveLinks(normalized), host.Protected));
    }

    /// <summary>
    /// The one bind the worker adds itself: a run's code checkout, read-only. Not user-chosen, so it
    /// does not need the template's consent; it is allowed because of what it is, checked here: a
    /// folder the worker made inside its own folder (<paramref name="workerFolder"/>, both compared
    /// after normalising and following links, so a link cannot lead it elsewhere) that holds only
    /// the checkout, so no protected folder or socket can be at or below it. It may itself lie below
    /// a protected folder (a worker running as root keeps its state under /root): what is bound is
    /// the checkout, never the folder around it.
    /// </summary>
    /// <exception cref="UnprocessableException">The checkout is outside the worker's folder or would expose the host.</exception>
    public static void CheckWorkerBind(string source, string workerFolder, WorkerHost? host = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(workerFolder);
        var folder = HostPaths.ResolveLinks(HostPaths.Normalize(workerFolder));
        var resolved = HostPaths.ResolveLinks(HostPaths.Normalize(source));
        var inside = folder != "/" && resolved.StartsWith(folder + "/", StringComparison.Ordinal);
        var holdsProtected = HostPaths.Protected.Concat(host?.Protected ?? [])
            .Any(p => p == resolved || p.StartsWith(resolved + "/", StringComparison.Ordinal));
        if (!source.StartsWith('/') || !inside || holdsProtected || resolved.EndsWith(".sock", StringComparison.OrdinalIgnoreCase))
        {
            throw new UnprocessableException("pullSteps",
                $"The code checkout '{source}' must be a folder of its own inside the worker's folder '{workerFolder}' " +
                "(after following links), holding none of the host's system folders: set the worker's state directory elsewhere.");
        }
    }

    /// <summary>Why a network mode may not be used without the template declaring it, or null when it may.</summary>
    public static string? SharedNamespace(string? networkMode)
    {
        var mode = networkMode?.Trim() ?? string.Empty;
        if (string.Equals(mode, "host", StringComparison.OrdinalIgnoreCase))
        {
            return "host";
        }

        return mode.StartsWith("container:", StringComparison.OrdinalIgnoreCase) || mode.StartsWith("service:", StringComparison.OrdinalIgnoreCase)
            ? mode
            : null;
    }

    /// <summary>A portable environment variable name: letters, digits and underscores, not starting with a digit.</summary>
    public static bool IsVariableName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length is > 0 and <= 256 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }

    private static void Check(JsonObject template, JobTemplate parsed, JsonObject variables, string? variablesField, WorkerHost? host = null)
    {
        var rendered = parsed.Render(variables);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);

        if (!Flag(template, AllowDockerSocket) && rendered["volumes"] is JsonArray volumes
            && volumes.Any(v => v is JsonValue value && value.GetValueKind() == JsonValueKind.String && ExposesDockerSocket(value.GetValue<string>(), host)))
        {
            errors[FieldOf(parsed, "volumes", variablesField)] =
            [
                "Mounting the Docker socket, a folder that holds it or another part of the host's system (/, /etc, /proc, /run, /var/run, /var/lib/docker ...) " +
                "gives the run control of the Docker engine, i.e. root on the worker's host. Paths are compared after resolving '.', '..' and links. " +
                $"The pool's base job template must allow it explicitly with \"{AllowDockerSocket}\": true at its top level.",
            ];
        }

        if (rendered["network_mode"] is JsonValue mode && mode.GetValueKind() == JsonValueKind.String
            && SharedNamespace(mode.GetValue<string>()) is { } shared && !NetworkModeDeclared(template, parsed, shared))
        {
            errors[FieldOf(parsed, "network_mode", variablesField)] =
            [
                $"network_mode '{shared}' shares another network namespace (the host's, another container's or service's), where the run reaches what listens there. " +
                $"The pool's template must declare it: list \"{shared}\" in the network_mode variable's enum" +
                (shared == "host" ? $", or set \"{AllowHostNetwork}\": true." : "."),
            ];
        }

        if (rendered["networks"] is JsonArray networks
            && networks.Any(n => n is JsonValue value && value.GetValueKind() == JsonValueKind.String && SharedNamespace(value.GetValue<string>()) is { } shared
                && (shared != "host" || !Flag(template, AllowHostNetwork))))
        {
            errors[FieldOf(parsed, "networks", variablesField)] =
            [
                "The 'host' network, or a 'container:'/'service:' namespace, shares another network namespace, where the run reaches what listens there. " +
                $"Use network_mode for a namespace the template declares; the 'host' network needs \"{AllowHostNetwork}\": true at the template's top level.",
            ];
        }

        if (rendered["env"] is JsonObject env && env.Select(e => e.Key).FirstOrDefault(k => !IsVariableName(k)) is { } badKey)
        {
            errors[FieldOf(parsed, "env", variablesField)] =
            [
                $"'{Printable(badKey)}' is not a variable name: use letters, digits and underscores, not starting with a digit (no '=', spaces or control characters).",
            ];
        }

        if (rendered["labels"] is JsonObject labels && labels.Select(l => l.Key).FirstOrDefault(ReservedLabels.IsReserved) is { } reserved)
        {
            errors[FieldOf(parsed, "labels", variablesField)] =
            [
                $"The label '{reserved.Trim()}' is reserved: labels starting with '{ReservedLabels.Prefix}' are the worker's own, " +
                "how it finds a run's container again and stops it once the run has ended.",
            ];
        }

        if (errors.Count > 0)
        {
            throw new UnprocessableException(variablesField is null
                ? "The base job template gives runs more than the pool allows."
                : "Job variables ask for more than the work pool allows.", errors);
        }
    }

    private static string Printable(string text) =>
        new([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);

    private static bool NetworkModeDeclared(JsonObject template, JobTemplate parsed, string mode) =>
        (mode == "host" && Flag(template, AllowHostNetwork)) || SchemaNames(parsed.JobConfiguration, parsed.Properties, mode);

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

    /// <summary>Whether the network_mode variable's schema names <paramref name="mode"/> in its enum or const.</summary>
    private static bool SchemaNames(JsonObject? configuration, JsonObject? properties, string mode)
    {
        var variable = configuration?["network_mode"] is JsonValue v ? VariableOf(v) : null;
        if (variable is null || properties?[variable] is not JsonObject schema)
        {
            return false;
        }

        return schema["const"] is JsonValue c && Names(c)
            || (schema["enum"] is JsonArray values && values.Any(e => e is JsonValue ev && Names(ev)));

        bool Names(JsonValue value) => value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == mode;
    }

    /// <summary>The variable a configuration value is made of entirely (<c>"{{ name }}"</c>), else null.</summary>
    private static string? VariableOf(JsonValue value) =>
        value.GetValueKind() == JsonValueKind.String && WholePlaceholder().Match(value.GetValue<string>().Trim()) is { Success: true } m
            ? m.Groups[1].Value
            : null;
}

/// <summary>
/// The worker's view of its own host for <see cref="JobSecurityPolicy.CheckRun"/>: bind sources are
/// also checked after following its symlinks, and <paramref name="Protected"/> adds folders only it
/// knows of (the folder of the engine socket it talks to).
/// </summary>
public sealed record WorkerHost(IReadOnlyList<string> Protected);

/// <summary>What runs of a pool may reach on the worker's host beyond their own container.</summary>
public sealed record HostAccess(bool DockerSocket, bool Privileged, bool HostNetwork)
{
    public static HostAccess None { get; } = new(false, false, false);

    public bool Any => DockerSocket || Privileged || HostNetwork;
}

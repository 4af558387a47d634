using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Contracts.Common;

namespace Console.Contracts.WorkPools;

/// <summary>
/// A pool's base job template: a job configuration with <c>{{ placeholders }}</c> and a JSON
/// Schema of the variables a deployment may set. The schema is the platform team's enforced
/// interface: a variable it does not declare cannot be set.
/// </summary>
public sealed partial class JobTemplate
{
    /// <summary>Variables whose object values merge key by key across pool, deployment and run.</summary>
    private static readonly HashSet<string> MergedByKey = ["env", "labels"];

    private readonly Lazy<VariableSchemas> _schemas;

    private JobTemplate(JsonObject source, JsonObject jobConfiguration, JsonObject variables, Lazy<VariableSchemas> schemas)
    {
        Source = source;
        JobConfiguration = jobConfiguration;
        Variables = variables;
        _schemas = schemas;
    }

    /// <summary>The whole template as parsed, top-level flags such as <c>allowDockerSocket</c> included.</summary>
    public JsonObject Source { get; }

    public JsonObject JobConfiguration { get; }

    public JsonObject Variables { get; }

    public JsonObject Properties => Variables["properties"] as JsonObject ?? [];

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    public static JobTemplate Parse(string json) => Parse(ConsoleJson.ParseObject(json));

    /// <summary>Checks the template and compiles its schema; a bad template is a 400 naming the part.</summary>
    public static JobTemplate Parse(JsonObject template, string field = "baseJobTemplate")
    {
        var parsed = Read(template, field);
        _ = parsed._schemas.Value;
        return parsed;
    }

    /// <summary>
    /// A template the server has already checked, as a worker reads it: the structure is checked now,
    /// the variables' schemas are compiled (and checked) at the first <see cref="ValidateVariables"/>.
    /// An idle worker then never loads the JSON Schema library (about 640 methods to compile).
    /// </summary>
    public static JobTemplate ParseDeferred(JsonObject template)
    {
        // A worker's runs read one template from several threads, and a JsonNode builds its children
        // on first access, which is not thread-safe: the whole tree is built here, before it is shared.
        Materialize(template);
        return Read(template, "baseJobTemplate");
    }

    private static void Materialize(JsonNode? node)
    {
        foreach (var child in node switch { JsonObject obj => obj.Select(p => p.Value), JsonArray array => array, _ => [] })
        {
            Materialize(child);
        }
    }

    private static JobTemplate Read(JsonObject template, string field)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template["jobConfiguration"] is not JsonObject jobConfiguration)
        {
            throw new InvalidRequestException($"{field}.jobConfiguration", "The template needs a 'jobConfiguration' object.");
        }

        if (template["variables"] is not JsonObject variables)
        {
            throw new InvalidRequestException($"{field}.variables", "The template needs a 'variables' object (a JSON Schema).");
        }

        if (variables["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String && t.GetValue<string>() != "object")
        {
            throw new InvalidRequestException($"{field}.variables.type", "The variables schema must be of type 'object'.");
        }

        var properties = variables["properties"] as JsonObject ?? [];
        if (variables["properties"] is not null and not JsonObject)
        {
            throw new InvalidRequestException($"{field}.variables.properties", "'properties' must be an object.");
        }

        foreach (var (name, prop) in properties)
        {
            if (prop is not JsonObject)
            {
                throw new InvalidRequestException($"{field}.variables.properties.{name}", $"The schema of variable '{name}' must be an object.");
            }
        }

        foreach (var placeholder in Placeholders(jobConfiguration))
        {
            if (!properties.ContainsKey(placeholder))
            {
                throw new InvalidRequestException($"{field}.jobConfiguration",
                    $"The placeholder '{{{{ {placeholder} }}}}' names no declared variable.");
            }
        }

        return new JobTemplate(template, jobConfiguration, variables, new(() => VariableSchemas.Compile(variables, properties, field)));
    }

    public bool Declares(string variable) => Properties.ContainsKey(variable);

    /// <summary>Checks variables a deployment or run sets: unknown or ill-typed ones are a 422 naming each.</summary>
    public void ValidateVariables(JsonObject? values, string field = "jobVariables")
    {
        if (values is null)
        {
            return;
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (!Declares(name))
            {
                errors[$"{field}.{name}"] = [$"The pool's base job template declares no variable '{name}'."];
                continue;
            }

            if (value is null)
            {
                continue; // null means "use the default"
            }

            if (_schemas.Value.Problem(name, value) is { } problem)
            {
                errors[$"{field}.{name}"] = [$"'{name}' does not match the pool's schema: {problem}"];
            }
        }

        if (errors.Count > 0)
        {
            throw new UnprocessableException("Job variables do not match the work pool's base job template.", errors);
        }
    }

    /// <summary>
    /// Merges job variables: schema defaults &lt; the deployment's command &lt; each layer in order.
    /// Objects named in <see cref="MergedByKey"/> (env, labels) merge key by key.
    /// </summary>
    public JsonObject Merge(string? deploymentCommand, params JsonObject?[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var merged = new JsonObject();
        foreach (var (name, prop) in Properties)
        {
            if (prop?["default"] is { } d)
            {
                merged[name] = d.DeepClone();
            }
        }

        if (!string.IsNullOrWhiteSpace(deploymentCommand) && Declares("command"))
        {
            merged["command"] = deploymentCommand;
        }

        foreach (var layer in layers)
        {
            if (layer is null)
            {
                continue;
            }

            foreach (var (name, value) in layer)
            {
                if (value is null)
                {
                    continue;
                }

                if (MergedByKey.Contains(name) && value is JsonObject incoming && merged[name] is JsonObject existing)
                {
                    foreach (var (key, v) in incoming)
                    {
                        existing[key] = v?.DeepClone();
                    }
                }
                else
                {
                    merged[name] = value.DeepClone();
                }
            }
        }

        return merged;
    }

    /// <summary>Fills the job configuration with the variables; a placeholder with no value becomes null.</summary>
    public JsonObject Render(JsonObject variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return (JsonObject)RenderNode(JobConfiguration, variables)!;
    }

    private static JsonNode? RenderNode(JsonNode? node, JsonObject variables)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    result[key] = RenderNode(value, variables);
                }

                return result;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => RenderNode(item, variables))]);
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                var whole = Placeholder().Match(text);
                if (whole.Success && whole.Length == text.Trim().Length)
                {
                    // A value that is only a placeholder takes the variable's own JSON type.
                    return variables[whole.Groups[1].Value]?.DeepClone();
                }

                return Placeholder().Replace(text, m => variables[m.Groups[1].Value] switch
                {
                    null => string.Empty,
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    var other => other.ToJsonString(),
                });
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>The variables a part of the job configuration names, in order, repeats included.</summary>
    internal static IEnumerable<string> Placeholders(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Placeholders(p.Value)),
        JsonArray array => array.SelectMany(Placeholders),
        JsonValue v when v.GetValueKind() == JsonValueKind.String =>
            Placeholder().Matches(v.GetValue<string>()).Select(m => m.Groups[1].Value),
        _ => [],
    };
}

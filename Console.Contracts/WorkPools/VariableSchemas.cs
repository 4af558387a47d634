using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts.Common;
using Json.Schema;

namespace Console.Contracts.WorkPools;

/// <summary>
/// The compiled JSON Schemas of a <see cref="JobTemplate"/>'s variables. A class of its own so the
/// JSON Schema library loads only when a schema is compiled: a worker reads its pools' templates at
/// every refresh but checks variables only when it starts a run.
/// </summary>
internal sealed class VariableSchemas
{
    private readonly Dictionary<string, JsonSchema> _properties;

    private VariableSchemas(Dictionary<string, JsonSchema> properties) => _properties = properties;

    /// <summary>Compiles each variable's schema and the whole; a bad one is a 400 naming the part.</summary>
    public static VariableSchemas Compile(JsonObject variables, JsonObject properties, string field)
    {
        var schemas = new Dictionary<string, JsonSchema>(StringComparer.Ordinal);
        foreach (var (name, prop) in properties)
        {
            var propObject = (JsonObject)prop!;
            var schema = CompileSchema(propObject, $"{field}.variables.properties.{name}");
            if (propObject["default"] is { } defaultValue && !Evaluate(schema, defaultValue).IsValid)
            {
                throw new InvalidRequestException($"{field}.variables.properties.{name}.default",
                    $"The default of variable '{name}' does not match its own schema.");
            }

            schemas[name] = schema;
        }

        // After the variables one by one, so a bad pattern is blamed on the variable that has it.
        CompileSchema(variables, $"{field}.variables");
        return new VariableSchemas(schemas);
    }

    /// <summary>Why <paramref name="value"/> does not match the schema of variable <paramref name="name"/>; null when it does.</summary>
    public string? Problem(string name, JsonNode value)
    {
        var result = Evaluate(_properties[name], value);
        return result.IsValid ? null : Describe(result);
    }

    private static JsonSchema CompileSchema(JsonObject schema, string field)
    {
        var compiled = (JsonObject)schema.DeepClone();
        RequireBoundedRegexes(compiled, field);
        try
        {
            // A registry of its own per schema: the global one would grow with every template. The
            // dialect is always ours ($schema is dropped above), so every pattern runs with a timeout.
            return JsonSchema.FromText(compiled.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = BoundedPattern.Dialect });
        }
        catch (Exception ex) when (ex is JsonSchemaException or JsonException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidRequestException(field, $"Not a valid JSON Schema: {ex.Message}");
        }
    }

    /// <summary>
    /// Drops <c>$schema</c> (another draft's dialect would evaluate <c>pattern</c> without a timeout) and
    /// refuses <c>patternProperties</c>, whose regular expressions the library matches without one.
    /// </summary>
    private static void RequireBoundedRegexes(JsonNode? node, string field)
    {
        switch (node)
        {
            case JsonObject obj:
                obj.Remove("$schema");
                if (obj.ContainsKey("patternProperties"))
                {
                    throw new InvalidRequestException(field,
                        "'patternProperties' is not supported in job variable schemas (its patterns cannot be bounded in time): declare the properties by name.");
                }

                foreach (var (_, value) in obj)
                {
                    RequireBoundedRegexes(value, field);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RequireBoundedRegexes(item, field);
                }

                break;
        }
    }

    private static EvaluationResults Evaluate(JsonSchema schema, JsonNode value)
    {
        var element = JsonSerializer.SerializeToElement(value);
        return schema.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Describe(EvaluationResults result)
    {
        var messages = (result.Details ?? [])
            .Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Values.Select(e => string.IsNullOrEmpty(d.InstanceLocation.ToString())
                ? e
                : $"{d.InstanceLocation}: {e}"))
            .Concat(result.Errors?.Values.AsEnumerable() ?? [])
            .Distinct()
            .ToList();
        return messages.Count == 0 ? "invalid value." : string.Join("; ", messages);
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Console.Worker.Infrastructure;

/// <summary>Tolerant readers of a rendered job configuration: a missing or null key means "use the default".</summary>
internal static class JobConfig
{
    public static string? String(JsonObject config, string key) => config[key] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => NullIfEmpty(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
        null => null,
        var other => throw Invalid(key, "a string", other),
    };

    public static bool Bool(JsonObject config, string key, bool fallback) => config[key] switch
    {
        null => fallback,
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0 => fallback,
        var other => throw Invalid(key, "true or false", other),
    };

    public static double? Number(JsonObject config, string key) => config[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0 => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String
            && double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        var other => throw Invalid(key, "a number", other),
    };

    public static IReadOnlyList<string> StringList(JsonObject config, string key) => config[key] switch
    {
        null => [],
        JsonArray array => [.. array.Select(item => item is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw Invalid(key, "a list of strings", config[key]))],
        JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0 => [],
        var other => throw Invalid(key, "a list of strings", other),
    };

    public static IReadOnlyDictionary<string, string> StringMap(JsonObject config, string key)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (config[key])
        {
            case null:
                break;
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    map[name] = value switch
                    {
                        null => string.Empty,
                        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                        var other => other.ToJsonString(),
                    };
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0:
                break;
            case var other:
                throw Invalid(key, "an object of names to values", other);
        }

        return map;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static InfrastructureException Invalid(string key, string expected, JsonNode? actual) =>
        new($"The job configuration's '{key}' must be {expected}, not {actual?.ToJsonString() ?? "null"}.");
}

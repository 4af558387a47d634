using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Console.Contracts.Common;

/// <summary>The one JSON shape of the product: camelCase, enums as strings (docs/api.md).</summary>
public static class ConsoleJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            AllowDuplicateProperties = false,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        AddStrictNodes(options);
        return options;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;

        // {"name":"a","name":"b"} is ambiguous: one reader would take the first, another the last.
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new JsonStringEnumConverter());
        AddStrictNodes(options);
    }

    /// <summary>Parsing that refuses duplicate keys (a <see cref="JsonException"/>).</summary>
    internal static JsonDocumentOptions StrictDocument { get; } = new() { AllowDuplicateProperties = false };

    private static void AddStrictNodes(JsonSerializerOptions options)
    {
        options.Converters.Add(new StrictNodeConverter<JsonNode>());
        options.Converters.Add(new StrictNodeConverter<JsonObject>());
        options.Converters.Add(new StrictNodeConverter<JsonArray>());
    }

    public static JsonObject ParseObject(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonNode.Parse(json, documentOptions: StrictDocument)?.AsObject() ?? [];

    public static JsonArray ParseArray(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonNode.Parse(json, documentOptions: StrictDocument)?.AsArray() ?? [];

    public static string Serialize(JsonNode? node) => node?.ToJsonString() ?? "{}";

    public static T? Deserialize<T>(string? json) =>
        string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, Options);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Console.Contracts.Common;

/// <summary>The one JSON shape of the product: camelCase, enums as strings (API.md).</summary>
public static class ConsoleJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Converters.Add(new JsonStringEnumConverter());
    }

    public static JsonObject ParseObject(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonNode.Parse(json)?.AsObject() ?? [];

    public static JsonArray ParseArray(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonNode.Parse(json)?.AsArray() ?? [];

    public static string Serialize(JsonNode? node) => node?.ToJsonString() ?? "{}";

    public static T? Deserialize<T>(string? json) =>
        string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, Options);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}

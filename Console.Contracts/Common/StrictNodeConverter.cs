using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Console.Contracts.Common;

/// <summary>
/// Reads free-form JSON (templates, job variables, parameters) refusing duplicate keys with a
/// <see cref="JsonException"/> (a 400): the serializer's own node converter ignores
/// <c>AllowDuplicateProperties</c> and throws an <see cref="ArgumentException"/> instead (a 500).
/// </summary>
internal sealed class StrictNodeConverter<T> : JsonConverter<T>
    where T : JsonNode
{
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var node = JsonNode.Parse(document.RootElement.GetRawText(), documentOptions: ConsoleJson.StrictDocument);
        return node as T ?? throw new JsonException($"Expected a JSON {(typeof(T) == typeof(JsonArray) ? "array" : "object")} here.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        value.WriteTo(writer, options);
    }
}

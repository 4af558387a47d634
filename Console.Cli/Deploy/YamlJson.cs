using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Console.Cli.Deploy;

/// <summary>
/// Converts between YAML nodes and JSON nodes, so the manifest's job variables and parameters keep
/// their types: plain scalars become numbers, booleans or null when they read as such; quoted ones stay strings.
/// </summary>
public static class YamlJson
{
    public static JsonNode? ToJson(YamlNode? node) => node switch
    {
        null => null,
        YamlMappingNode map => new JsonObject(map.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? string.Empty, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    public static YamlNode ToYaml(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return new YamlScalarNode("null") { Style = ScalarStyle.Plain };
            case JsonObject obj:
                var map = new YamlMappingNode();
                foreach (var (key, value) in obj)
                {
                    map.Add(new YamlScalarNode(key), ToYaml(value));
                }

                return map;
            case JsonArray array:
                var list = new YamlSequenceNode();
                foreach (var item in array)
                {
                    list.Add(ToYaml(item));
                }

                return list;
            default:
                var element = node.AsValue().GetValue<JsonElement>();
                return element.ValueKind switch
                {
                    JsonValueKind.String => String(element.GetString()!),
                    JsonValueKind.True => new YamlScalarNode("true") { Style = ScalarStyle.Plain },
                    JsonValueKind.False => new YamlScalarNode("false") { Style = ScalarStyle.Plain },
                    _ => new YamlScalarNode(element.GetRawText()) { Style = ScalarStyle.Plain },
                };
        }
    }

    private static YamlScalarNode String(string value)
    {
        // Quote what a reader would otherwise take for a number, boolean or null.
        var plain = Scalar(new YamlScalarNode(value) { Style = ScalarStyle.Plain });
        var ambiguous = plain is not JsonValue v || v.GetValueKind() != JsonValueKind.String;
        return new YamlScalarNode(value) { Style = ambiguous || value.Length == 0 ? ScalarStyle.DoubleQuoted : ScalarStyle.Any };
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }
}

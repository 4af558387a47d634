using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Console.Projects.Flows;

/// <summary>
/// Converts between YAML and JSON nodes so that parameters and job variables keep their types:
/// plain scalars read as YAML 1.2's core schema (null, booleans, numbers), quoted ones stay strings.
/// </summary>
internal static class YamlJson
{
    private const string StringTag = "tag:yaml.org,2002:str";

    public static JsonNode? ToJson(YamlNode node, Func<YamlNode, string, Exception> error) => node switch
    {
        YamlMappingNode map => ToObject(map, error),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(c => ToJson(c, error))]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw error(node, "Expected a value, a list or a mapping."),
    };

    public static JsonObject ToObject(YamlMappingNode map, Func<YamlNode, string, Exception> error)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                throw error(key, "Keys must be plain strings.");
            }

            result[name] = ToJson(value, error);
        }

        return result;
    }

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
                    map.Add(String(key), ToYaml(value));
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
                var scalar = node.AsValue();
                return scalar.GetValueKind() switch
                {
                    JsonValueKind.String => String(scalar.GetValue<string>()),
                    JsonValueKind.True => new YamlScalarNode("true") { Style = ScalarStyle.Plain },
                    JsonValueKind.False => new YamlScalarNode("false") { Style = ScalarStyle.Plain },
                    JsonValueKind.Null => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
                    _ => new YamlScalarNode(scalar.ToJsonString()) { Style = ScalarStyle.Plain },
                };
        }
    }

    /// <summary>A string scalar that reads back as the same string: quoted when it would otherwise read as a number, boolean or null.</summary>
    public static YamlScalarNode String(string value)
    {
        if (value.Contains('\n', StringComparison.Ordinal))
        {
            return new YamlScalarNode(value) { Style = ScalarStyle.Literal };
        }

        var plain = Scalar(new YamlScalarNode(value) { Style = ScalarStyle.Plain });
        var ambiguous = plain is not JsonValue v || v.GetValueKind() != JsonValueKind.String;
        return new YamlScalarNode(value) { Style = ambiguous || value.Length == 0 ? ScalarStyle.DoubleQuoted : ScalarStyle.Any };
    }

    public static bool IsNull(YamlNode node) => node is YamlScalarNode scalar && Scalar(scalar) is null;

    public static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || (!scalar.Tag.IsEmpty && scalar.Tag.Value == StringTag))
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

        if (LooksNumeric(text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    // double.TryParse accepts "Infinity" and " 1"; YAML numbers start with a sign, digit or dot.
    private static bool LooksNumeric(string text) =>
        text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.') && !text.Any(char.IsWhiteSpace);
}

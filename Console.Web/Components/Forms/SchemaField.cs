using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Console.Web.Components.Forms;

public enum FieldKind
{
    Text,
    WholeNumber,
    Number,
    Boolean,
    Choice,
    StringList,
    KeyValue,
    Json,
}

/// <summary>A key/value row of an env- or labels-like variable.</summary>
public sealed class KeyValueRow
{
    public string Key { get; set; } = string.Empty;

    public string Value { get; set; } = string.Empty;
}

/// <summary>
/// One variable of a job template's JSON Schema as an editable field. An unset field sends
/// nothing, so the layer below (the schema default, the pool, the deployment) decides.
/// </summary>
public sealed class SchemaField
{
    private SchemaField(string name, JsonObject schema, FieldKind kind)
    {
        Name = name;
        Schema = schema;
        Kind = kind;
        Title = Str(schema["title"]) ?? name;
        Description = Str(schema["description"]);
        Default = schema["default"]?.DeepClone();
        Choices = schema["enum"] is JsonArray values ? [.. values.Select(v => v?.DeepClone())] : [];
        Minimum = Number(schema["minimum"]);
        Maximum = Number(schema["maximum"]);
    }

    public string Name { get; }

    public JsonObject Schema { get; }

    public FieldKind Kind { get; }

    public string Title { get; }

    public string? Description { get; }

    public JsonNode? Default { get; }

    public IReadOnlyList<JsonNode?> Choices { get; }

    public double? Minimum { get; }

    public double? Maximum { get; }

    public bool Required { get; init; }

    /// <summary>Text, Integer, Number, Choice (the choice's JSON) and Json fields.</summary>
    public string Text { get; set; } = string.Empty;

    /// <summary>Boolean fields: null is unset.</summary>
    public bool? Flag { get; set; }

    public List<string> Items { get; } = [];

    public List<KeyValueRow> Pairs { get; } = [];

    /// <summary>Set by the server for this field (e.g. a default outside the schema).</summary>
    public string? ServerError { get; set; }

    public string? Error => LocalError() ?? ServerError;

    public string Id => "var-" + Name;

    public bool IsSet => Kind switch
    {
        FieldKind.Boolean => Flag is not null,
        FieldKind.StringList => Items.Count > 0,
        FieldKind.KeyValue => Pairs.Count > 0,
        _ => !string.IsNullOrWhiteSpace(Text),
    };

    /// <summary>Shown when the field is unset: what applies instead.</summary>
    public string? DefaultHint => Default is null ? null : "Default: " + Display(Default);

    public static SchemaField Create(string name, JsonObject schema, bool required = false)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new SchemaField(name, schema, KindOf(schema)) { Required = required };
    }

    public static FieldKind KindOf(JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema["enum"] is JsonArray)
        {
            return FieldKind.Choice;
        }

        return TypeOf(schema) switch
        {
            "string" => FieldKind.Text,
            "integer" => FieldKind.WholeNumber,
            "number" => FieldKind.Number,
            "boolean" => FieldKind.Boolean,
            "array" when schema["items"] is JsonObject items && TypeOf(items) == "string" && items["enum"] is null => FieldKind.StringList,
            "object" when schema["properties"] is null or JsonObject { Count: 0 }
                && schema["additionalProperties"] is JsonObject extra && TypeOf(extra) == "string" => FieldKind.KeyValue,
            _ => FieldKind.Json,
        };
    }

    /// <summary>Fills the field from a value (a default or a job variable); null leaves it unset.</summary>
    public void Load(JsonNode? value)
    {
        Text = string.Empty;
        Flag = null;
        Items.Clear();
        Pairs.Clear();
        ServerError = null;
        if (value is null)
        {
            return;
        }

        switch (Kind)
        {
            case FieldKind.Boolean when value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                Flag = v.GetValue<bool>();
                break;
            case FieldKind.StringList when value is JsonArray array && array.All(i => i is JsonValue s && s.GetValueKind() == JsonValueKind.String):
                Items.AddRange(array.Select(i => i!.GetValue<string>()));
                break;
            case FieldKind.KeyValue when value is JsonObject obj && obj.All(p => p.Value is JsonValue s && s.GetValueKind() == JsonValueKind.String):
                Pairs.AddRange(obj.Select(p => new KeyValueRow { Key = p.Key, Value = p.Value!.GetValue<string>() }));
                break;
            case FieldKind.Text when value is JsonValue s && s.GetValueKind() == JsonValueKind.String:
                Text = s.GetValue<string>();
                break;
            case FieldKind.WholeNumber or FieldKind.Number when value is JsonValue n && n.GetValueKind() == JsonValueKind.Number:
                Text = n.ToJsonString();
                break;
            case FieldKind.Choice:
                Text = JsonView.Compact(value);
                break;
            default:
                // A value the typed editor cannot hold (or a Json field): edit it as JSON.
                Text = Kind == FieldKind.Json ? JsonView.Indented(value) : Display(value);
                break;
        }
    }

    /// <summary>The field's value as JSON, or null when unset or invalid (see <see cref="Error"/>).</summary>
    public JsonNode? ToJson()
    {
        if (!IsSet || LocalError() is not null)
        {
            return null;
        }

        return Kind switch
        {
            FieldKind.Boolean => JsonValue.Create(Flag!.Value),
            FieldKind.StringList => new JsonArray([.. Items.Select(i => (JsonNode?)JsonValue.Create(i))]),
            FieldKind.KeyValue => new JsonObject(Pairs.Select(p => KeyValuePair.Create(p.Key.Trim(), (JsonNode?)JsonValue.Create(p.Value)))),
            FieldKind.WholeNumber => JsonValue.Create(long.Parse(Text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture)),
            FieldKind.Number => JsonValue.Create(double.Parse(Text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture)),
            FieldKind.Choice or FieldKind.Json => JsonNode.Parse(Text),
            _ => JsonValue.Create(Text),
        };
    }

    /// <summary>A problem the browser can tell without asking the server.</summary>
    public string? LocalError()
    {
        if (!IsSet)
        {
            return null;
        }

        switch (Kind)
        {
            case FieldKind.WholeNumber:
                if (!long.TryParse(Text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
                {
                    return "Enter a whole number.";
                }

                return RangeError(whole);
            case FieldKind.Number:
                if (!double.TryParse(Text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    return "Enter a number, e.g. 0.5.";
                }

                return RangeError(number);
            case FieldKind.Json:
                try
                {
                    JsonNode.Parse(Text);
                    return null;
                }
                catch (JsonException ex)
                {
                    return "Not valid JSON: " + ex.Message;
                }

            case FieldKind.KeyValue:
                if (Pairs.Any(p => string.IsNullOrWhiteSpace(p.Key)))
                {
                    return "Every entry needs a name.";
                }

                var duplicate = Pairs.GroupBy(p => p.Key.Trim(), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
                return duplicate is null ? null : $"'{duplicate.Key}' is set twice.";
            default:
                return null;
        }
    }

    public static string Display(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => JsonView.Compact(value),
    };

    private string? RangeError(double value) =>
        Minimum is { } min && value < min ? $"The smallest allowed value is {min.ToString(CultureInfo.InvariantCulture)}."
        : Maximum is { } max && value > max ? $"The largest allowed value is {max.ToString(CultureInfo.InvariantCulture)}."
        : null;

    private static string? TypeOf(JsonObject schema) => schema["type"] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        // ["string", "null"]: the first real type decides the editor.
        JsonArray types => types.OfType<JsonValue>().Select(t => t.ToString()).FirstOrDefault(t => t != "null"),
        _ => null,
    };

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}

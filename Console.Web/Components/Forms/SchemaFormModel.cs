using System.Text.Json.Nodes;

namespace Console.Web.Components.Forms;

/// <summary>
/// A form generated from a variables JSON Schema (a base job template's <c>variables</c>): one
/// typed field per property, in the schema's order. It edits either the schema's own defaults
/// (a pool's base job template) or values that override them (a deployment's or run's job variables).
/// </summary>
public sealed class SchemaFormModel
{
    private SchemaFormModel(IReadOnlyList<SchemaField> fields) => Fields = fields;

    public IReadOnlyList<SchemaField> Fields { get; }

    /// <summary>Server errors that name no field of this form.</summary>
    public List<string> OtherErrors { get; } = [];

    public bool IsValid => Fields.All(f => f.LocalError() is null);

    public SchemaField? this[string name] => Fields.FirstOrDefault(f => f.Name == name);

    /// <summary>A form over the schema's properties, filled with <paramref name="values"/>.</summary>
    public static SchemaFormModel ForValues(JsonObject? variablesSchema, JsonObject? values)
    {
        var model = FromSchema(variablesSchema);
        foreach (var field in model.Fields)
        {
            field.Load(values?[field.Name]);
        }

        return model;
    }

    /// <summary>A form over the schema's properties, filled with each property's default.</summary>
    public static SchemaFormModel ForDefaults(JsonObject? variablesSchema)
    {
        var model = FromSchema(variablesSchema);
        foreach (var field in model.Fields)
        {
            field.Load(field.Default);
        }

        return model;
    }

    /// <summary>The set fields as job variables; unset fields are left out.</summary>
    public JsonObject ToValues()
    {
        var values = new JsonObject();
        foreach (var field in Fields)
        {
            if (field.ToJson() is { } value)
            {
                values[field.Name] = value;
            }
        }

        return values;
    }

    /// <summary>
    /// The variables schema with each property's <c>default</c> taken from the form: a set field
    /// becomes the default, an unset one removes it. Everything else in the schema is kept.
    /// </summary>
    public JsonObject ApplyDefaults(JsonObject variablesSchema)
    {
        ArgumentNullException.ThrowIfNull(variablesSchema);
        var result = variablesSchema.DeepClone().AsObject();
        if (result["properties"] is not JsonObject properties)
        {
            return result;
        }

        foreach (var field in Fields)
        {
            if (properties[field.Name] is not JsonObject property)
            {
                continue;
            }

            if (field.ToJson() is { } value)
            {
                property["default"] = value;
            }
            else
            {
                property.Remove("default");
            }
        }

        return result;
    }

    public void ClearServerErrors()
    {
        OtherErrors.Clear();
        foreach (var field in Fields)
        {
            field.ServerError = null;
        }
    }

    /// <summary>
    /// Puts each server error on the field it names. <paramref name="prefixes"/> are the key forms
    /// that lead to a variable's name, e.g. "jobVariables." or "baseJobTemplate.variables.properties.".
    /// </summary>
    /// <returns>Whether any error landed on a field.</returns>
    public bool ApplyServerErrors(IReadOnlyDictionary<string, string[]> errors, params string[] prefixes)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(prefixes);
        var landed = false;
        foreach (var (key, messages) in errors)
        {
            var field = FieldOf(key, prefixes);
            var message = string.Join(" ", messages);
            if (field is null)
            {
                OtherErrors.Add(message);
                continue;
            }

            field.ServerError = message;
            landed = true;
        }

        return landed;
    }

    private SchemaField? FieldOf(string key, string[] prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            // "env.default" or "env" or "env[0]": the variable's name is the first segment.
            var rest = key[prefix.Length..];
            var end = rest.IndexOfAny(['.', '[', '/']);
            var name = end < 0 ? rest : rest[..end];
            if (this[name] is { } field)
            {
                return field;
            }
        }

        return null;
    }

    private static SchemaFormModel FromSchema(JsonObject? variablesSchema)
    {
        var required = variablesSchema?["required"] is JsonArray names
            ? names.OfType<JsonValue>().Select(n => n.ToString()).ToHashSet(StringComparer.Ordinal)
            : [];
        var fields = new List<SchemaField>();
        if (variablesSchema?["properties"] is JsonObject properties)
        {
            foreach (var (name, schema) in properties)
            {
                if (schema is JsonObject propertySchema)
                {
                    fields.Add(SchemaField.Create(name, propertySchema, required.Contains(name)));
                }
            }
        }

        return new SchemaFormModel(fields);
    }
}

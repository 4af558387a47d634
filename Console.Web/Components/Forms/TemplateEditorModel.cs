using System.Text.Json;
using System.Text.Json.Nodes;

namespace Console.Web.Components.Forms;

/// <summary>
/// A base job template being edited: a form over its variables (their defaults) and a JSON view of
/// the whole template. The JSON view may change anything, including the schema itself.
/// </summary>
public sealed class TemplateEditorModel
{
    public const string ErrorPrefix = "baseJobTemplate.variables.properties.";

    private JsonObject _template;

    public TemplateEditorModel(JsonObject template)
    {
        ArgumentNullException.ThrowIfNull(template);
        _template = template.DeepClone().AsObject();
        Form = SchemaFormModel.ForDefaults(Variables);
        JsonText = Pretty(_template);
    }

    public SchemaFormModel Form { get; private set; }

    public bool ShowJson { get; private set; }

    public string JsonText { get; set; }

    public string? JsonError { get; private set; }

    /// <summary>Template errors that are not about one variable (job configuration, the schema).</summary>
    public List<string> TemplateErrors { get; } = [];

    public JsonObject? Variables => _template["variables"] as JsonObject;

    public bool IsValid => ShowJson ? TryParse(out _) : Form.IsValid;

    /// <summary>The template as it would be saved; null while the JSON view holds invalid JSON.</summary>
    public JsonObject? Build()
    {
        if (ShowJson)
        {
            return TryParse(out var parsed) ? parsed : null;
        }

        var result = _template.DeepClone().AsObject();
        if (Variables is { } variables)
        {
            result["variables"] = Form.ApplyDefaults(variables);
        }

        return result;
    }

    public void ToJson()
    {
        if (ShowJson)
        {
            return;
        }

        JsonText = Pretty(Build()!);
        JsonError = null;
        ShowJson = true;
    }

    /// <summary>Back to the form; stays on the JSON view (with <see cref="JsonError"/>) when it does not parse.</summary>
    public bool ToForm()
    {
        if (!ShowJson)
        {
            return true;
        }

        if (!TryParse(out var parsed))
        {
            return false;
        }

        _template = parsed!;
        Form = SchemaFormModel.ForDefaults(Variables);
        ShowJson = false;
        return true;
    }

    public void ClearServerErrors()
    {
        TemplateErrors.Clear();
        Form.ClearServerErrors();
    }

    /// <summary>
    /// Puts the server's template errors on their variables; the rest (and all of them while the
    /// JSON view is open, where no field shows them) appear above the editor.
    /// </summary>
    public void ApplyServerErrors(IReadOnlyDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var mine = errors.Where(e => e.Key.StartsWith("baseJobTemplate", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (ShowJson)
        {
            TemplateErrors.AddRange(mine.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
            return;
        }

        Form.ApplyServerErrors(mine, ErrorPrefix);
        TemplateErrors.AddRange(Form.OtherErrors);
        Form.OtherErrors.Clear();
    }

    private bool TryParse(out JsonObject? parsed)
    {
        parsed = null;
        try
        {
            if (JsonNode.Parse(JsonText) is JsonObject obj)
            {
                parsed = obj;
                JsonError = null;
                return true;
            }

            JsonError = "The template must be a JSON object with 'jobConfiguration' and 'variables'.";
        }
        catch (JsonException ex)
        {
            JsonError = "Not valid JSON: " + ex.Message;
        }

        return false;
    }

    private static string Pretty(JsonNode node) => JsonView.Indented(node);
}

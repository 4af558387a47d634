using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Console.Web.Components.Forms;

/// <summary>JSON as people read it: indented, and without \u0027-style escapes (Blazor escapes for HTML).</summary>
public static class JsonView
{
    private static readonly JsonSerializerOptions IndentedOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions CompactOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Indented(JsonNode? node) => node?.ToJsonString(IndentedOptions) ?? "null";

    public static string Compact(JsonNode? node) => node?.ToJsonString(CompactOptions) ?? "null";
}

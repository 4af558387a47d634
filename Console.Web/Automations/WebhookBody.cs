using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Contracts.Automations;
using Console.Contracts.Common;
using Console.Core.Automations;

namespace Console.Web.Automations;

/// <summary>
/// The body of a webhook. Without a template: <c>{"automation": {id, name}, "event": {...}}</c>. A
/// template is JSON whose strings may hold <c>{{ event.type }}</c>, <c>{{ event.resource.name }}</c>,
/// <c>{{ event.payload.state }}</c>, <c>{{ automation.name }}</c>...: a string that is one placeholder
/// becomes that value (an object stays an object), else each placeholder is replaced by its text.
/// </summary>
public static partial class WebhookBody
{
    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.]{1,200})\s*\}\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Placeholder();

    public static string Render(JsonNode? template, Automation automation, EventDto e)
    {
        ArgumentNullException.ThrowIfNull(automation);
        var scope = new JsonObject
        {
            ["automation"] = new JsonObject { ["id"] = automation.Id.ToString(), ["name"] = automation.Name },
            ["event"] = JsonNode.Parse(ConsoleJson.Serialize(e)),
        };
        return template is null ? scope.ToJsonString() : (Fill(template, scope)?.ToJsonString() ?? "null");
    }

    private static JsonNode? Fill(JsonNode? node, JsonObject scope) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Fill(p.Value, scope)))),
        JsonArray a => new JsonArray([.. a.Select(v => Fill(v, scope))]),
        JsonValue v when v.TryGetValue<string>(out var text) => FillText(text, scope),
        _ => node?.DeepClone(),
    };

    private static JsonNode? FillText(string text, JsonObject scope)
    {
        var whole = Placeholder().Match(text);
        if (whole.Success && whole.Length == text.Length)
        {
            return Lookup(scope, whole.Groups[1].Value)?.DeepClone();
        }

        return JsonValue.Create(Placeholder().Replace(text, m => Lookup(scope, m.Groups[1].Value) switch
        {
            null => string.Empty,
            JsonValue value when value.TryGetValue<string>(out var s) => s,
            var other => other.ToJsonString(),
        }));
    }

    private static JsonNode? Lookup(JsonObject scope, string path)
    {
        JsonNode? node = scope;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var next) ? next : null;
        }

        return node;
    }
}

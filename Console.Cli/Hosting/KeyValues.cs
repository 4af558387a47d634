using System.Text.Json;
using System.Text.Json.Nodes;

namespace Console.Cli.Hosting;

/// <summary>Parses repeated <c>key=value</c> options; values that parse as JSON (numbers, booleans, objects) stay JSON.</summary>
public static class KeyValues
{
    public static JsonObject? Parse(IEnumerable<string>? pairs, string option)
    {
        var list = pairs?.ToList() ?? [];
        if (list.Count == 0)
        {
            return null;
        }

        var result = new JsonObject();
        foreach (var pair in list)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                throw new UsageException($"{option} takes key=value, not '{pair}'.");
            }

            result[pair[..at].Trim()] = Value(pair[(at + 1)..]);
        }

        return result;
    }

    public static JsonNode? Value(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts.Security;

namespace Console.Core.Secrets;

/// <summary>
/// Replaces the values of a run's secrets with <c>****</c> in text the server stores for it. A
/// value is found inside one line, across consecutive lines (a flow that prints it in pieces: the
/// lines are searched as one text, then each line keeps its unmasked part), and printed over
/// several lines when the value itself has line breaks. A JSON object value (registry
/// credentials) also masks each of its string members of 4 or more characters, and the password
/// inside a docker config's base64 <c>auth</c>.
/// </summary>
public sealed class SecretMask
{
    private const int MinMemberLength = 4;

    private readonly List<string> _candidates;

    public SecretMask(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values.Where(v => !string.IsNullOrEmpty(v)))
        {
            candidates.Add(value);
            var joined = value.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal);
            if (joined.Length > 0)
            {
                candidates.Add(joined);
            }

            foreach (var line in value.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length >= MinMemberLength))
            {
                candidates.Add(line);
            }

            foreach (var member in JsonMembers(value))
            {
                candidates.Add(member);
            }
        }

        // Longest first, so a value that contains another is masked whole.
        _candidates = [.. candidates.OrderByDescending(c => c.Length)];
    }

    public bool IsEmpty => _candidates.Count == 0;

    public string Apply(string text) => Apply([text])[0];

    /// <summary>The lines with every value masked; a value split across consecutive lines is masked in each of them.</summary>
    public IReadOnlyList<string> Apply(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (IsEmpty || lines.Count == 0)
        {
            return lines;
        }

        var text = string.Concat(lines);
        var ranges = new List<(int Start, int End)>();
        foreach (var candidate in _candidates)
        {
            for (var at = text.IndexOf(candidate, StringComparison.Ordinal); at >= 0; at = text.IndexOf(candidate, at + candidate.Length, StringComparison.Ordinal))
            {
                ranges.Add((at, at + candidate.Length));
            }
        }

        if (ranges.Count == 0)
        {
            return lines;
        }

        var merged = Merge(ranges);
        var result = new string[lines.Count];
        var offset = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            result[i] = MaskLine(lines[i], offset, merged);
            offset += lines[i].Length;
        }

        return result;
    }

    private static string MaskLine(string line, int offset, List<(int Start, int End)> ranges)
    {
        var end = offset + line.Length;
        var builder = new System.Text.StringBuilder(line.Length);
        var position = offset;
        foreach (var (start, stop) in ranges)
        {
            if (stop <= offset || start >= end)
            {
                continue;
            }

            var from = Math.Max(start, offset);
            builder.Append(line, position - offset, from - position).Append(SecretReferences.Mask);
            position = Math.Min(stop, end);
        }

        if (position == offset)
        {
            return line;
        }

        builder.Append(line, position - offset, end - position);
        return builder.ToString();
    }

    private static List<(int Start, int End)> Merge(List<(int Start, int End)> ranges)
    {
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<(int Start, int End)> { ranges[0] };
        foreach (var range in ranges.Skip(1))
        {
            var last = merged[^1];
            if (range.Start <= last.End)
            {
                merged[^1] = (last.Start, Math.Max(last.End, range.End));
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged;
    }

    private static List<string> JsonMembers(string value)
    {
        if (!value.TrimStart().StartsWith('{'))
        {
            return [];
        }

        try
        {
            return Strings(JsonNode.Parse(value)).Where(s => s.Length >= MinMemberLength).ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>The password of a docker config's <c>auth</c> (base64 of "user:password"), when it is one.</summary>
    private static IEnumerable<string> AuthPassword(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            return [];
        }

        var buffer = new byte[v.GetValue<string>().Length];
        if (!Convert.TryFromBase64String(v.GetValue<string>(), buffer, out var written))
        {
            return [];
        }

        var pair = System.Text.Encoding.UTF8.GetString(buffer, 0, written);
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? [pair[(colon + 1)..]] : [];
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Key == "auth" ? Strings(p.Value).Concat(AuthPassword(p.Value)) : Strings(p.Value)),
        JsonArray array => array.SelectMany(Strings),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        _ => [],
    };
}

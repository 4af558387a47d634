using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Console.Projects.Flows;

/// <summary>
/// Adds or replaces one entry of a top-level list (<c>flows</c>, <c>deployments</c>) by editing the
/// manifest's text, so everything else (comments, blank lines, key order, other sections) stays as
/// the user wrote it. Every edit is read back; when the text cannot be edited safely (a flow-style
/// document, an odd layout) the whole document is written again instead, which loses comments only.
/// </summary>
internal static class ManifestEditor
{
    public static string Upsert(string text, string path, string key, YamlMappingNode item, Func<YamlMappingNode, bool> matches)
    {
        var crlf = text.Contains("\r\n", StringComparison.Ordinal);
        var source = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var root = ManifestYaml.Parse(source, path);
        if (root is not null && !YamlJson.IsNull(root) && root is not YamlMappingNode)
        {
            throw ManifestYaml.Error(path, root, "the manifest must be a mapping with 'flows' and 'deployments'.");
        }

        var edited = TryEdit(source, root as YamlMappingNode, key, item, matches);
        if (edited is null || !ReadsBack(edited, path, key, item, matches, Count(root as YamlMappingNode, key, item, matches)))
        {
            edited = Rewrite(root as YamlMappingNode, key, item, matches);
        }

        return crlf ? edited.Replace("\n", "\r\n", StringComparison.Ordinal) : edited;
    }

    private static string? TryEdit(string text, YamlMappingNode? root, string key, YamlMappingNode item, Func<YamlMappingNode, bool> matches)
    {
        if (root is null)
        {
            // Empty, or comments only: keep them and add the list below.
            return WithFinalNewline(text) + key + ":\n" + Block(item, 2) + "\n";
        }

        if (root.Style == YamlDotNet.Core.Events.MappingStyle.Flow || root.Start.Column != 1)
        {
            return null;
        }

        var keyNode = root.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value == key);
        if (keyNode is null)
        {
            return WithFinalNewline(text) + key + ":\n" + Block(item, 2) + "\n";
        }

        var value = root.Children[keyNode];
        if (value is YamlSequenceNode { Style: YamlDotNet.Core.Events.SequenceStyle.Block } list && list.Children.Count > 0)
        {
            var existing = list.Children.Select((node, index) => (node, index)).FirstOrDefault(c => c.node is YamlMappingNode m && matches(m));
            if (existing.node is not null)
            {
                return Span(text, existing.node) is var (start, end, indent) ? text[..start] + Block(item, indent) + text[end..] : null;
            }

            if (Span(text, list.Children[0]) is not var (_, _, firstIndent) || Span(text, list.Children[^1]) is not var (_, lastEnd, _))
            {
                return null;
            }

            return text[..lastEnd] + "\n" + Block(item, firstIndent) + text[lastEnd..];
        }

        if (value is not YamlSequenceNode && !YamlJson.IsNull(value))
        {
            return null;
        }

        // "deployments:", "deployments: []" or a flow-style list: written again as a block list.
        var entries = value is YamlSequenceNode flow ? flow.Children.ToList() : [];
        var at = entries.FindIndex(e => e is YamlMappingNode m && matches(m));
        if (at >= 0)
        {
            entries[at] = item;
        }
        else
        {
            entries.Add(item);
        }

        var keyEnd = (int)keyNode.End.Index;
        var valueEnd = Math.Max(keyEnd, YamlJson.IsNull(value) ? (int)value.End.Index : LastContent(value, text));
        var listIndent = (int)keyNode.Start.Column - 1 + 2;
        var block = string.Join("\n", entries.Select(e => Block(e, listIndent)));
        var colon = text.IndexOf(':', keyEnd);
        return colon < 0 ? null : text[..keyEnd] + ":\n" + block + text[Math.Max(valueEnd, colon + 1)..];
    }

    /// <summary>The entry's text: from the start of its '-' line to the end of its last line, and the column of its '-'.</summary>
    private static (int Start, int End, int Indent)? Span(string text, YamlNode entry)
    {
        var dash = (int)entry.Start.Index - 1;
        while (dash >= 0 && text[dash] is ' ' or '\n')
        {
            dash--;
        }

        if (dash < 0 || text[dash] != '-')
        {
            return null;
        }

        var lineStart = text.LastIndexOf('\n', dash) + 1;
        if (text.AsSpan(lineStart, dash - lineStart).ContainsAnyExcept(' '))
        {
            return null;
        }

        var last = LastContent(entry, text);
        var end = last > 0 && text[last - 1] == '\n' ? last - 1 : text.IndexOf('\n', last);
        return (lineStart, end < 0 ? text.Length : end, dash - lineStart);
    }

    // Block collections end where the next token starts (possibly after comments that belong to
    // what follows), so the entry ends with its last scalar or flow collection; a flow collection
    // ends at its closing bracket (its end mark may lie past a trailing comment).
    private static int LastContent(YamlNode node, string text) => node switch
    {
        YamlMappingNode { Style: YamlDotNet.Core.Events.MappingStyle.Flow } map => Closer(text, map.Children.Count == 0
            ? (int)map.Start.Index + 1
            : map.Children.Max(c => Math.Max(LastContent(c.Key, text), LastContent(c.Value, text))), '}'),
        YamlSequenceNode { Style: YamlDotNet.Core.Events.SequenceStyle.Flow } list => Closer(text, list.Children.Count == 0
            ? (int)list.Start.Index + 1
            : list.Children.Max(c => LastContent(c, text)), ']'),
        YamlMappingNode map when map.Children.Count > 0 =>
            map.Children.Max(c => Math.Max(LastContent(c.Key, text), LastContent(c.Value, text))),
        YamlSequenceNode list when list.Children.Count > 0 => list.Children.Max(c => LastContent(c, text)),
        _ => (int)node.End.Index,
    };

    private static int Closer(string text, int from, char closer)
    {
        var at = from <= text.Length ? text.IndexOf(closer, from) : -1;
        return at < 0 ? text.Length : at + 1;
    }

    private static string Block(YamlNode item, int indent)
    {
        var lines = ManifestWriter.Serialize(item).TrimEnd('\n').Split('\n');
        var text = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                text.Append('\n');
            }

            if (i == 0)
            {
                text.Append(' ', indent).Append("- ").Append(lines[i]);
            }
            else if (lines[i].Length > 0)
            {
                text.Append(' ', indent + 2).Append(lines[i]);
            }
        }

        return text.ToString();
    }

    private static string WithFinalNewline(string text) => text.Length == 0 || text.EndsWith('\n') ? text : text + "\n";

    private static int Count(YamlMappingNode? root, string key, YamlMappingNode item, Func<YamlMappingNode, bool> matches)
    {
        var entries = root is not null && root.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode list
            ? list.Children
            : [];
        return entries.Count + (entries.Any(e => e is YamlMappingNode m && matches(m)) ? 0 : 1);
    }

    private static bool ReadsBack(string text, string path, string key, YamlMappingNode item, Func<YamlMappingNode, bool> matches, int expectedCount)
    {
        try
        {
            if (ManifestYaml.Parse(text, path) is not YamlMappingNode root
                || !root.Children.TryGetValue(new YamlScalarNode(key), out var value)
                || value is not YamlSequenceNode list
                || list.Children.Count != expectedCount)
            {
                return false;
            }

            var written = list.Children.OfType<YamlMappingNode>().Where(matches).ToList();
            return written.Count == 1 && JsonNode.DeepEquals(Json(written[0]), Json(item));
        }
        catch (FlowProjectException)
        {
            return false;
        }
    }

    private static JsonNode? Json(YamlMappingNode node) =>
        YamlJson.ToJson(YamlNodeRoundTrip(node), (_, reason) => new FlowProjectException(reason));

    // Nodes built in memory carry no parsing style; reading their text back makes both sides comparable.
    private static YamlNode YamlNodeRoundTrip(YamlNode node) => ManifestYaml.Parse(ManifestWriter.Serialize(node), "(entry)")!;

    private static string Rewrite(YamlMappingNode? root, string key, YamlMappingNode item, Func<YamlMappingNode, bool> matches)
    {
        root ??= [];
        var keyNode = new YamlScalarNode(key);
        if (!root.Children.TryGetValue(keyNode, out var value) || value is not YamlSequenceNode list)
        {
            list = [];
            root.Children[keyNode] = list;
        }

        list.Style = YamlDotNet.Core.Events.SequenceStyle.Block;
        var at = list.Children.ToList().FindIndex(e => e is YamlMappingNode m && matches(m));
        if (at >= 0)
        {
            list.Children[at] = item;
        }
        else
        {
            list.Add(item);
        }

        root.Style = YamlDotNet.Core.Events.MappingStyle.Block;
        return ManifestWriter.Serialize(root);
    }
}

using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Console.Projects.Flows;

/// <summary>
/// Saves one entry of a top-level list of console.yaml (<c>flows</c>, <c>deployments</c>) by
/// editing the file's text where the parser's marks say the changed values stand: a changed value
/// is written over, a new key or entry is added in the file's own indentation, a removed key loses
/// its lines, and every other byte (comments, blank lines, key order, quoting, <c>interval: 15m</c>
/// that still means 900 seconds) stays as it was. Each edit is read back; when the text cannot be
/// edited safely (a document in brackets, an odd layout) the entry is written whole, and as a last
/// resort the whole document (which loses its comments).
/// </summary>
internal static class ManifestEditor
{
    /// <param name="key">The top-level list: <c>flows</c> or <c>deployments</c>.</param>
    /// <param name="entries">The list's entries as read, in canonical form (<see cref="ManifestWriter"/>), in file order.</param>
    /// <param name="index">The entry being replaced, or null to add <paramref name="entry"/> at the end.</param>
    /// <param name="entry">The entry to save, in canonical form.</param>
    /// <param name="read">Reads a text's list back in canonical form (to check the edit).</param>
    public static string Save(
        string text, string path, string key, IReadOnlyList<YamlMappingNode> entries, int? index, YamlMappingNode entry,
        Func<string, IReadOnlyList<YamlMappingNode>> read)
    {
        var crlf = text.Contains("\r\n", StringComparison.Ordinal);
        var source = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        var expected = entries.ToList();
        if (index is { } at)
        {
            expected[at] = entry;
        }
        else
        {
            expected.Add(entry);
        }

        // Value by value first; then the entry written whole; then the whole document.
        var edited = Checked(TryEdit(source, key, entries, index, entry, fine: true), expected, read)
            ?? Checked(TryEdit(source, key, entries, index, entry, fine: false), expected, read)
            ?? Rewrite(source, path, key, expected);
        return crlf ? edited.Replace("\n", "\r\n", StringComparison.Ordinal) : edited;
    }

    private static string? TryEdit(string text, string key, IReadOnlyList<YamlMappingNode> entries, int? index, YamlMappingNode entry, bool fine)
    {
        YamlSpan? root;
        try
        {
            root = YamlSpan.Parse(text);
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null;
        }

        var layout = YamlLayout.Of(text, root);
        var edits = new TextEdits(text);
        var all = new YamlSequenceNode([.. entries.Select((e, i) => i == index ? entry : e), .. index is null ? new[] { entry } : []]);
        if (root is null || root.IsEmpty)
        {
            // Empty, or comments only: keep them and add the list below.
            edits.Insert(text.Length, (text.Length == 0 || text.EndsWith('\n') ? string.Empty : "\n") + key + ":" + layout.AfterKey(all, 0) + "\n");
            return edits.Apply();
        }

        if (!root.IsBlockMapping || root.Pairs.Count == 0)
        {
            return null;
        }

        var pair = root.Pairs.FirstOrDefault(p => p.Key.Value == key);
        if (pair.Key is null)
        {
            var column = root.Pairs[0].Key.Column;
            edits.InsertLine(root.ContentEnd(text), new string(' ', column) + key + ":" + layout.AfterKey(all, column));
            return edits.Apply();
        }

        var list = pair.Value;
        if (!list.IsBlockSequence || list.Items.Count != entries.Count)
        {
            // "deployments:", "deployments: []" or a list in brackets: written again as a block list.
            edits.ReplaceValue(pair.Key, list, layout.AfterKey(all, pair.Key.Column));
            return edits.Apply();
        }

        if (index is { } at)
        {
            var change = new Change(text, layout, edits);
            if (fine)
            {
                change.Node(list.Items[at], entries[at], entry, replacement => change.Item(list.Items[at], replacement));
            }
            else
            {
                change.Item(list.Items[at], entry);
            }

            return edits.Apply();
        }

        var dash = YamlLayout.Dash(text, list.Items[0]) ?? pair.Key.Column + layout.SequenceIndent;
        edits.InsertLine(list.ContentEnd(text), string.Join('\n', layout.Item(entry, dash, list.Items[0].Column - dash)));
        return edits.Apply();
    }

    /// <returns>The text when it reads back as <paramref name="expected"/>, else null.</returns>
    private static string? Checked(string? text, List<YamlMappingNode> expected, Func<string, IReadOnlyList<YamlMappingNode>> read)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            var actual = read(text);
            return actual.Count == expected.Count && actual.Zip(expected).All(p => Same(p.First, p.Second)) ? text : null;
        }
        catch (FlowProjectException)
        {
            return null;
        }
    }

    internal static bool Same(YamlNode? a, YamlNode? b) =>
        a is null || b is null ? a is null && b is null : JsonNode.DeepEquals(Json(a), Json(b));

    private static JsonNode? Json(YamlNode node) => YamlJson.ToJson(node, (_, reason) => new FlowProjectException(reason));

    private static string Rewrite(string text, string path, string key, IReadOnlyList<YamlMappingNode> entries)
    {
        var root = ManifestYaml.Parse(text, path) as YamlMappingNode ?? [];
        root.Children[new YamlScalarNode(key)] = new YamlSequenceNode(entries) { Style = YamlDotNet.Core.Events.SequenceStyle.Block };
        root.Style = YamlDotNet.Core.Events.MappingStyle.Block;
        return ManifestWriter.Serialize(root);
    }

    /// <summary>Walks the saved entry beside its text and its canonical old form, editing only what differs.</summary>
    private sealed class Change(string text, YamlLayout layout, TextEdits edits)
    {
        /// <param name="replace">Writes the node's whole value anew (how depends on whether it is a key's value or a list item).</param>
        public void Node(YamlSpan span, YamlNode? before, YamlNode after, Action<YamlNode> replace)
        {
            if (Same(before, after))
            {
                return;
            }

            switch (after)
            {
                case YamlMappingNode map when before is YamlMappingNode old && span.IsBlockMapping && span.Pairs.Count > 0
                    && map.Children.Keys.Any(old.Children.ContainsKey):
                    Mapping(span, old, map);
                    return;
                case YamlSequenceNode list when before is YamlSequenceNode old && span.IsBlockSequence && span.Items.Count == old.Children.Count && span.Items.Count > 0:
                    Sequence(span, old, list, replace);
                    return;
                case YamlScalarNode scalar when span.Kind == YamlSpanKind.Scalar && !span.IsEmpty && span.Start.Line == span.End.Line
                    && layout.AfterKey(scalar, 0) is var inline && !inline.Contains('\n', StringComparison.Ordinal):
                    edits.Replace((int)span.Start.Index, (int)span.End.Index, inline[1..]);
                    return;
                case YamlMappingNode or YamlSequenceNode when span.IsFlow:
                    edits.Replace((int)span.Start.Index, span.ContentEnd(text), YamlLayout.Flow(after));
                    return;
                default:
                    replace(after);
                    return;
            }
        }

        /// <summary>Writes a list item anew, its continuation lines at the item's own column.</summary>
        public void Item(YamlSpan item, YamlNode value)
        {
            var dash = YamlLayout.Dash(text, item) ?? Math.Max(item.Column - layout.ItemOffset, 0);
            var lines = layout.Item(value, dash, item.Column - dash);
            var first = lines[0][Math.Min(item.Column, lines[0].Length)..];
            edits.Replace((int)item.Start.Index, item.ContentEnd(text), string.Join('\n', [first, .. lines.Skip(1)]));
        }

        private void Mapping(YamlSpan span, YamlMappingNode before, YamlMappingNode after)
        {
            foreach (var (key, value) in after.Children)
            {
                var name = ((YamlScalarNode)key).Value;
                before.Children.TryGetValue(key, out var old);
                var at = span.Pairs.FindIndex(p => p.Key.Value == name);
                if (at < 0)
                {
                    var column = span.Pairs[0].Key.Column;
                    edits.InsertLine(span.ContentEnd(text), string.Join('\n', layout.Lines(new YamlMappingNode { { key, value } }, column)));
                    continue;
                }

                var (keySpan, valueSpan) = span.Pairs[at];
                Node(valueSpan, old, value, replacement => edits.ReplaceValue(keySpan, valueSpan, layout.AfterKey(replacement, keySpan.Column)));
            }

            foreach (var (key, _) in before.Children.Where(c => !after.Children.ContainsKey(c.Key)))
            {
                var at = span.Pairs.FindIndex(p => p.Key.Value == ((YamlScalarNode)key).Value);
                if (at >= 0)
                {
                    RemovePair(span, at);
                }
            }
        }

        private void Sequence(YamlSpan span, YamlSequenceNode before, YamlSequenceNode after, Action<YamlNode> replace)
        {
            var dashes = span.Items.Select(i => YamlLayout.Dash(text, i)).ToList();
            if (dashes.Any(d => d is null))
            {
                replace(after);
                return;
            }

            var common = Math.Min(before.Children.Count, after.Children.Count);
            for (var i = 0; i < common; i++)
            {
                var item = span.Items[i];
                Node(item, before.Children[i], after.Children[i], replacement => Item(item, replacement));
            }

            if (after.Children.Count > common)
            {
                var dash = dashes[0]!.Value;
                var lines = after.Children.Skip(common).SelectMany(c => layout.Item(c, dash, span.Items[0].Column - dash));
                edits.InsertLine(span.ContentEnd(text), string.Join('\n', lines));
            }

            if (after.Children.Count == 0)
            {
                replace(after);
                return;
            }

            for (var i = common; i < before.Children.Count; i++)
            {
                edits.RemoveLines(LineStart((int)span.Items[i].Start.Index), span.Items[i].ContentEnd(text));
            }
        }

        private void RemovePair(YamlSpan map, int at)
        {
            var (key, value) = map.Pairs[at];
            var start = LineStart((int)key.Start.Index);
            if (!text.AsSpan(start, (int)key.Start.Index - start).ContainsAnyExcept(' '))
            {
                edits.RemoveLines(start, value.ContentEnd(text));
            }
            else if (at + 1 < map.Pairs.Count)
            {
                // The first key of a list item shares the dash's line: the next key moves up to it.
                edits.Replace((int)key.Start.Index, (int)map.Pairs[at + 1].Key.Start.Index, string.Empty);
            }
            else
            {
                edits.Replace((int)key.Start.Index, value.ContentEnd(text), "{}");
            }
        }

        private int LineStart(int index) => index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
    }
}

using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Console.Projects.Flows;

/// <summary>
/// A file's way of indenting (its nesting step, whether lists sit under their key or are indented
/// below it, where an item's keys start after its dash), and new YAML written that way, so what an
/// edit adds looks like what was there.
/// </summary>
internal sealed class YamlLayout
{
    /// <summary>Columns a nested mapping's keys sit right of their parent key.</summary>
    public int Step { get; private init; } = 2;

    /// <summary>Columns a list's dashes sit right of its key (0: <c>key:\n- item</c>).</summary>
    public int SequenceIndent { get; private init; } = 2;

    /// <summary>Columns an item's content sits right of its dash (<c>- name</c>: 2).</summary>
    public int ItemOffset { get; private init; } = 2;

    /// <summary>The layout the document already uses; two-space steps and indented lists where it shows none.</summary>
    public static YamlLayout Of(string text, YamlSpan? root)
    {
        int? step = null, sequenceIndent = null, itemOffset = null;
        var pending = new Stack<YamlSpan>();
        if (root is not null)
        {
            pending.Push(root);
        }

        while (pending.Count > 0 && (step is null || sequenceIndent is null))
        {
            var node = pending.Pop();
            foreach (var (key, value) in node.Pairs)
            {
                if (!node.IsFlow && value.IsBlockMapping && value.Pairs.Count > 0 && value.Start.Line > key.Start.Line && value.Column > key.Column)
                {
                    step ??= value.Column - key.Column;
                }

                if (!node.IsFlow && value.IsBlockSequence && value.Items.Count > 0 && Dash(text, value.Items[0]) is { } dash && dash >= key.Column)
                {
                    sequenceIndent ??= dash - key.Column;
                    itemOffset ??= value.Items[0].Column - dash;
                }

                pending.Push(value);
            }

            foreach (var item in node.Items)
            {
                pending.Push(item);
            }
        }

        return new YamlLayout { Step = step ?? 2, SequenceIndent = sequenceIndent ?? step ?? 2, ItemOffset = itemOffset is > 0 ? itemOffset.Value : 2 };
    }

    /// <summary>The 0-based column of the dash before a block list's item, or null when the item is not on a plain dash line.</summary>
    public static int? Dash(string text, YamlSpan item)
    {
        var at = (int)item.Start.Index - 1;
        while (at >= 0 && text[at] is ' ' or '\n')
        {
            at--;
        }

        if (at < 0 || text[at] != '-')
        {
            return null;
        }

        var lineStart = text.LastIndexOf('\n', at) + 1;
        return text.AsSpan(lineStart, at - lineStart).ContainsAnyExcept(' ') ? null : at - lineStart;
    }

    /// <summary>What follows <c>key:</c> for <paramref name="value"/> when the key stands at <paramref name="keyColumn"/>.</summary>
    public string AfterKey(YamlNode value, int keyColumn) => value switch
    {
        YamlScalarNode scalar => " " + Scalar(scalar, keyColumn + Step),
        YamlMappingNode { Children.Count: 0 } => " {}",
        YamlSequenceNode { Children.Count: 0 } => " []",
        YamlMappingNode map => "\n" + string.Join('\n', Lines(map, keyColumn + Step)),
        YamlSequenceNode list => "\n" + string.Join('\n', Lines(list, keyColumn + SequenceIndent)),
        _ => throw new ArgumentException("Not a scalar, mapping or list.", nameof(value)),
    };

    /// <summary>A list item's lines, the first one starting with the dash at <paramref name="dashColumn"/>.</summary>
    /// <param name="offset">Columns from the dash to the content, as the list's other items have it (default <see cref="ItemOffset"/>).</param>
    public IReadOnlyList<string> Item(YamlNode item, int dashColumn, int? offset = null)
    {
        var itemOffset = offset is > 0 ? offset.Value : ItemOffset;
        var contentColumn = dashColumn + itemOffset;
        var gap = new string(' ', itemOffset - 1);
        var dash = new string(' ', dashColumn) + "-" + gap;
        switch (item)
        {
            case YamlScalarNode scalar:
                return [dash + Scalar(scalar, contentColumn)];
            case YamlMappingNode { Children.Count: 0 }:
                return [dash + "{}"];
            case YamlSequenceNode { Children.Count: 0 }:
                return [dash + "[]"];
            default:
                var lines = Lines(item, contentColumn).ToList();
                lines[0] = dash + lines[0].TrimStart(' ');
                return lines;
        }
    }

    /// <summary>A block mapping's or list's lines, its keys or dashes at <paramref name="column"/>.</summary>
    public IReadOnlyList<string> Lines(YamlNode node, int column)
    {
        var pad = new string(' ', column);
        var lines = new List<string>();
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    var text = pad + Scalar((YamlScalarNode)key, column) + ":" + AfterKey(value, column);
                    lines.AddRange(text.Split('\n'));
                }

                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children)
                {
                    lines.AddRange(Item(item, column));
                }

                break;
            default:
                throw new ArgumentException("Not a mapping or list.", nameof(node));
        }

        return lines;
    }

    /// <summary>The node on one line in brackets, for a place the file writes that way.</summary>
    public static string Flow(YamlNode node) => ManifestWriter.Serialize(AsFlow(node)).TrimEnd('\n');

    /// <summary>A scalar as YAML writes it (quoted when it would read as something else); a block scalar's lines at <paramref name="column"/>.</summary>
    private static string Scalar(YamlScalarNode scalar, int column)
    {
        var text = ManifestWriter.Serialize(scalar).TrimEnd('\n');
        var lines = text.Split('\n');
        if (lines.Length == 1)
        {
            return text;
        }

        // A block scalar: the emitter indents its lines by its own step; put them at the column wanted.
        var indent = lines.Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart(' ').Length).DefaultIfEmpty(0).Min();
        return lines[0] + "\n" + string.Join('\n', lines.Skip(1).Select(l => l.Trim().Length == 0 ? string.Empty : new string(' ', column) + l[indent..]));
    }

    private static YamlNode AsFlow(YamlNode node) => node switch
    {
        YamlMappingNode map => new YamlMappingNode(map.Children.Select(c => new KeyValuePair<YamlNode, YamlNode>(c.Key, AsFlow(c.Value)))) { Style = MappingStyle.Flow },
        YamlSequenceNode list => new YamlSequenceNode(list.Children.Select(AsFlow)) { Style = SequenceStyle.Flow },
        YamlScalarNode { Style: ScalarStyle.Literal or ScalarStyle.Folded } scalar => new YamlScalarNode(scalar.Value) { Style = ScalarStyle.DoubleQuoted },
        _ => node,
    };
}

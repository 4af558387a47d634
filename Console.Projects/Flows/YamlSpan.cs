using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Console.Projects.Flows;

/// <summary>
/// A node of a YAML document with where it stands in the text, built from the parser's events
/// (their Start/End marks), so an edit can replace exactly a node's characters and leave every
/// other byte of the file (comments, blank lines, quoting, indentation) as it was.
/// </summary>
internal sealed class YamlSpan
{
    private YamlSpan(YamlSpanKind kind, Mark start)
    {
        Kind = kind;
        Start = start;
        End = start;
    }

    public YamlSpanKind Kind { get; }

    /// <summary>Written with brackets (<c>{a: 1}</c>, <c>[a]</c>) rather than as an indented block.</summary>
    public bool IsFlow { get; private init; }

    public Mark Start { get; }

    /// <summary>
    /// The parser's end mark: for a scalar, just after it. A collection's end mark can lie past
    /// comments that belong to what follows: use <see cref="ContentEnd"/> instead.
    /// </summary>
    public Mark End { get; private set; }

    public string? Value { get; private init; }

    public ScalarStyle Style { get; private init; }

    public List<(YamlSpan Key, YamlSpan Value)> Pairs { get; } = [];

    public List<YamlSpan> Items { get; } = [];

    /// <summary>The 0-based column of the node's first character.</summary>
    public int Column => (int)Start.Column - 1;

    public bool IsBlockMapping => Kind == YamlSpanKind.Mapping && !IsFlow;

    public bool IsBlockSequence => Kind == YamlSpanKind.Sequence && !IsFlow;

    /// <summary>An empty plain scalar: a key written with no value (<c>deployments:</c>).</summary>
    public bool IsEmpty => Kind == YamlSpanKind.Scalar && Value is "" && Style == ScalarStyle.Plain;

    public YamlSpan? this[string key] => Pairs.FirstOrDefault(p => p.Key.Kind == YamlSpanKind.Scalar && p.Key.Value == key).Value;

    /// <summary>Just after the node's last character that is part of it (never a comment that follows).</summary>
    public int ContentEnd(string text)
    {
        switch (Kind)
        {
            case YamlSpanKind.Mapping when !IsFlow:
                return Pairs.Count == 0 ? (int)Start.Index : Pairs.Max(p => Math.Max(p.Key.ContentEnd(text), p.Value.ContentEnd(text)));
            case YamlSpanKind.Sequence when !IsFlow:
                return Items.Count == 0 ? (int)Start.Index : Items.Max(i => i.ContentEnd(text));
            case YamlSpanKind.Mapping or YamlSpanKind.Sequence:
                // A flow collection ends at its closing bracket; its end mark may lie past a comment that follows.
                var from = Kind == YamlSpanKind.Mapping
                    ? Pairs.Select(p => p.Value.ContentEnd(text)).DefaultIfEmpty((int)Start.Index + 1).Max()
                    : Items.Select(i => i.ContentEnd(text)).DefaultIfEmpty((int)Start.Index + 1).Max();
                var closer = from <= text.Length ? text.IndexOf(Kind == YamlSpanKind.Mapping ? '}' : ']', from) : -1;
                return closer < 0 ? (int)Math.Min(End.Index, text.Length) : closer + 1;
            case YamlSpanKind.Scalar when Style is ScalarStyle.Literal or ScalarStyle.Folded:
                // A block scalar's end mark lies past its line break (and any blank lines).
                var end = (int)Math.Min(End.Index, text.Length);
                while (end > Start.Index && char.IsWhiteSpace(text[end - 1]))
                {
                    end--;
                }

                return end;
            default:
                return (int)Math.Min(End.Index, text.Length);
        }
    }

    /// <summary>The root of the text's first document, or null when it has none (empty, or only comments).</summary>
    /// <exception cref="YamlException">The text is not valid YAML.</exception>
    public static YamlSpan? Parse(string text)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<YamlSpan>();
        var pendingKeys = new Stack<YamlSpan?>();
        YamlSpan? root = null;
        while (parser.MoveNext())
        {
            YamlSpan? node = null;
            switch (parser.Current)
            {
                case DocumentEnd when root is not null:
                    return root;
                case Scalar scalar:
                    node = new YamlSpan(YamlSpanKind.Scalar, scalar.Start) { Value = scalar.Value, Style = scalar.Style, End = scalar.End };
                    break;
                case AnchorAlias alias:
                    node = new YamlSpan(YamlSpanKind.Alias, alias.Start) { End = alias.End };
                    break;
                case MappingStart start:
                    open.Push(new YamlSpan(YamlSpanKind.Mapping, start.Start) { IsFlow = start.Style == MappingStyle.Flow });
                    pendingKeys.Push(null);
                    continue;
                case SequenceStart start:
                    open.Push(new YamlSpan(YamlSpanKind.Sequence, start.Start) { IsFlow = start.Style == SequenceStyle.Flow });
                    pendingKeys.Push(null);
                    continue;
                case MappingEnd or SequenceEnd:
                    node = open.Pop();
                    pendingKeys.Pop();
                    node.End = parser.Current.End;
                    break;
            }

            if (node is null)
            {
                continue;
            }

            if (open.Count == 0)
            {
                root ??= node;
                continue;
            }

            var parent = open.Peek();
            if (parent.Kind == YamlSpanKind.Sequence)
            {
                parent.Items.Add(node);
            }
            else if (pendingKeys.Peek() is { } key)
            {
                parent.Pairs.Add((key, node));
                pendingKeys.Pop();
                pendingKeys.Push(null);
            }
            else
            {
                pendingKeys.Pop();
                pendingKeys.Push(node);
            }
        }

        return root;
    }
}

internal enum YamlSpanKind
{
    Scalar,
    Mapping,
    Sequence,
    Alias,
}

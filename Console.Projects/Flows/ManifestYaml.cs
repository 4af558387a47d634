using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Console.Projects.Flows;

/// <summary>Loads the manifest's YAML document, turning every parser failure into a <see cref="FlowProjectException"/> with a line.</summary>
internal static class ManifestYaml
{
    /// <returns>The root node, or null for a file without a document (empty, or only comments).</returns>
    public static YamlNode? Parse(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex) when (ex.Message.Contains("flow", StringComparison.Ordinal) && Unclosed(text) is { } unclosed)
        {
            throw new FlowProjectException(
                $"not valid YAML: this '{unclosed.Open}' is never closed ({Clean(ex.Message)})", path, unclosed.Line, unclosed.Column, ex);
        }
        catch (YamlException ex)
        {
            var (line, column) = Where(ex, text);
            throw new FlowProjectException($"not valid YAML: {Clean(ex.Message)}", path, line, column, ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner fails this way on some unclosed flow collections.
            if (Unclosed(text) is { } unclosed)
            {
                throw new FlowProjectException($"not valid YAML: this '{unclosed.Open}' is never closed", path, unclosed.Line, unclosed.Column, ex);
            }

            var (lastLine, lastColumn) = LastGoodMark(text);
            throw new FlowProjectException("not valid YAML: the parser stopped here (an unclosed quote?)", path, lastLine, lastColumn, ex);
        }

        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    public static FlowProjectException Error(string path, YamlNode node, string reason) =>
        new(reason, path, ToInt(node.Start.Line), ToInt(node.Start.Column));

    private static (int Line, int Column) Where(YamlException ex, string text)
    {
        // The scanner reports a tab in the indentation at the start of the enclosing mapping.
        if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                if (lines[i].AsSpan(0, indent).Contains('\t'))
                {
                    return (i + 1, lines[i].IndexOf('\t', StringComparison.Ordinal) + 1);
                }
            }
        }

        return (ToInt(ex.Start.Line), ToInt(ex.Start.Column));
    }

    /// <summary>The innermost '[' or '{' still open where parsing fails, if any.</summary>
    private static (char Open, int Line, int Column)? Unclosed(string text)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<(char, Mark)?>();
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case MappingStart start:
                        open.Push(start.Style == MappingStyle.Flow ? ('{', start.Start) : null);
                        break;
                    case SequenceStart start:
                        open.Push(start.Style == SequenceStyle.Flow ? ('[', start.Start) : null);
                        break;
                    case MappingEnd or SequenceEnd when open.Count > 0:
                        open.Pop();
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            return open.FirstOrDefault(o => o is not null) is { } flow ? (flow.Item1, ToInt(flow.Item2.Line), ToInt(flow.Item2.Column)) : null;
        }

        return null;
    }

    private static (int Line, int Column) LastGoodMark(string text)
    {
        var parser = new Parser(new StringReader(text));
        var last = new Mark(0, 1, 1);
        try
        {
            while (parser.MoveNext())
            {
                last = parser.Current!.Start;
            }
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            // expected: this pass only finds where parsing stops
        }

        return (ToInt(last.Line), ToInt(last.Column));
    }

    private static string Clean(string message) =>
        message.StartsWith("Duplicate key ", StringComparison.Ordinal) ? $"the key '{message["Duplicate key ".Length..]}' appears twice in this mapping."
        : message.StartsWith("While ", StringComparison.Ordinal) ? char.ToLowerInvariant(message[0]) + message[1..]
        : message;

    private static int ToInt(long value) => (int)Math.Clamp(value, 1, int.MaxValue);
}

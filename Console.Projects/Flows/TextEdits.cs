using System.Text;

namespace Console.Projects.Flows;

/// <summary>Replacements of ranges of one text, made against its original positions and applied together.</summary>
internal sealed class TextEdits(string text)
{
    private readonly List<(int Start, int End, string Text, int Order)> _edits = [];

    public void Replace(int start, int end, string replacement) => _edits.Add((start, end, replacement, _edits.Count));

    public void Insert(int at, string addition) => Replace(at, at, addition);

    /// <summary>Adds lines after the line that holds <paramref name="contentEnd"/> (so a comment at its end stays on it).</summary>
    public void InsertLine(int contentEnd, string lines)
    {
        var end = EndOfLine(contentEnd);
        Insert(end, "\n" + lines + (end == text.Length && !text.EndsWith('\n') ? "\n" : string.Empty));
    }

    /// <summary>Removes whole lines: from <paramref name="lineStart"/> to the end of the line holding <paramref name="contentEnd"/>.</summary>
    public void RemoveLines(int lineStart, int contentEnd)
    {
        var end = EndOfLine(contentEnd);
        if (end < text.Length)
        {
            Replace(lineStart, end + 1, string.Empty);
        }
        else
        {
            Replace(Math.Max(lineStart - 1, 0), end, string.Empty);
        }
    }

    /// <summary>Writes a key's value anew: everything from just after the key to the end of its value becomes <c>:</c> and <paramref name="afterKey"/>.</summary>
    public void ReplaceValue(YamlSpan key, YamlSpan value, string afterKey)
    {
        var keyEnd = (int)key.End.Index;
        var end = value.IsEmpty ? text.IndexOf(':', keyEnd) + 1 : value.ContentEnd(text);
        Replace(keyEnd, Math.Max(end, keyEnd), ":" + afterKey);
    }

    public string Apply()
    {
        var result = new StringBuilder(text);
        foreach (var (start, end, replacement, _) in _edits.OrderByDescending(e => e.Start).ThenByDescending(e => e.Order))
        {
            result.Remove(start, end - start).Insert(start, replacement);
        }

        return result.ToString();
    }

    private int EndOfLine(int at)
    {
        var end = text.IndexOf('\n', Math.Min(at, text.Length));
        return end < 0 ? text.Length : end;
    }
}

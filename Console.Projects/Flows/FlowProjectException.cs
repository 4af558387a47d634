using System.Globalization;
using System.Text;

namespace Console.Projects.Flows;

/// <summary>
/// A flow project that cannot be used as it is: a manifest that is not valid YAML or not of the
/// expected shape, an invalid name, a deployment that does not say enough. The message names the
/// file and line (with the line's text) when the problem has one.
/// </summary>
public sealed class FlowProjectException : Exception
{
    public FlowProjectException(string reason, string? filePath = null, int? line = null, int? column = null, Exception? innerException = null)
        : base(Format(reason, filePath, line, column), innerException)
    {
        Reason = reason;
        FilePath = filePath;
        Line = line;
        Column = column;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    public string? FilePath { get; }

    /// <summary>1-based.</summary>
    public int? Line { get; }

    /// <summary>1-based.</summary>
    public int? Column { get; }

    private static string Format(string reason, string? filePath, int? line, int? column)
    {
        var text = new StringBuilder();
        if (filePath is not null)
        {
            text.Append(filePath);
            if (line is { } l)
            {
                text.Append(CultureInfo.InvariantCulture, $", line {l}");
                if (column is { } c)
                {
                    text.Append(CultureInfo.InvariantCulture, $", column {c}");
                }
            }

            text.Append(": ");
        }

        text.Append(reason);
        if (filePath is not null && line is { } at && SourceLine(filePath, at) is { } source)
        {
            var gutter = at.ToString(CultureInfo.InvariantCulture);
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  {gutter} | {source}");
            if (column is { } c && c >= 1 && c <= source.Length + 1)
            {
                text.AppendLine().Append(' ', gutter.Length + 5 + c - 1).Append('^');
            }
        }

        return text.ToString();
    }

    private static string? SourceLine(string path, int line)
    {
        try
        {
            return File.ReadLines(path).Skip(line - 1).FirstOrDefault()?.Replace('\t', ' ').TrimEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}

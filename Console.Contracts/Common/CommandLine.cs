using System.Text;

namespace Console.Contracts.Common;

/// <summary>Splits a command string like a POSIX shell does (quotes and backslashes respected), with no expansion.</summary>
public static class CommandLine
{
    public static IReadOnlyList<string> Split(string? command)
    {
        var args = new List<string>();
        if (string.IsNullOrWhiteSpace(command))
        {
            return args;
        }

        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote == '\'')
            {
                if (c == '\'') { quote = null; } else { current.Append(c); }
                continue;
            }

            if (quote == '"')
            {
                if (c == '"') { quote = null; }
                else if (c == '\\' && i + 1 < command.Length && command[i + 1] is '"' or '\\' or '$' or '`')
                {
                    current.Append(command[++i]);
                }
                else { current.Append(c); }
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                if (inWord) { args.Add(current.ToString()); current.Clear(); inWord = false; }
                continue;
            }

            inWord = true;
            if (c is '\'' or '"') { quote = c; }
            else if (c == '\\' && i + 1 < command.Length) { current.Append(command[++i]); }
            else { current.Append(c); }
        }

        if (quote is not null)
        {
            throw new InvalidRequestException("command", $"The command has an unclosed {quote} quote.");
        }

        if (inWord) { args.Add(current.ToString()); }
        return args;
    }
}

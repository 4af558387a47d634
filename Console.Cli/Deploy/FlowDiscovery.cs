using System.Text.RegularExpressions;

namespace Console.Cli.Deploy;

/// <summary>A flow found in the project folder: from console.yaml, or from a <c>flow: name</c> comment.</summary>
public sealed record DiscoveredFlow(string Name, string Entrypoint, string Command, string Source);

/// <summary>
/// Finds the flows of a project folder: the manifest's <c>flows</c>, then files whose first five
/// lines hold a comment <c># flow: name</c> or <c>// flow: name</c>.
/// </summary>
public static partial class FlowDiscovery
{
    private const int MaxFiles = 5000;
    private const int HeaderLines = 5;
    private const long MaxFileBytes = 1024 * 1024;
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.OrdinalIgnoreCase) { "bin", "obj", "node_modules", "__pycache__", "venv" };

    [GeneratedRegex(@"^\s*(?:#|//)\s*flow:\s*(?<name>[A-Za-z0-9][A-Za-z0-9_-]*)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex FlowComment();

    public static IReadOnlyList<DiscoveredFlow> Find(string folder, ProjectManifest? manifest)
    {
        var flows = new List<DiscoveredFlow>();
        foreach (var flow in manifest?.Flows ?? [])
        {
            if (!string.IsNullOrWhiteSpace(flow.Name) && !string.IsNullOrWhiteSpace(flow.Entrypoint))
            {
                flows.Add(new DiscoveredFlow(flow.Name, Normalize(flow.Entrypoint), flow.Command ?? GuessCommand(flow.Entrypoint), ProjectManifest.FileName));
            }
        }

        foreach (var file in Files(folder).Take(MaxFiles))
        {
            if (new FileInfo(file).Length <= MaxFileBytes && NameInHeader(file) is { } name && !flows.Any(f => f.Name == name))
            {
                var entrypoint = Path.GetRelativePath(folder, file).Replace('\\', '/');
                flows.Add(new DiscoveredFlow(name, entrypoint, GuessCommand(entrypoint), "comment"));
            }
        }

        return flows;
    }

    /// <summary>How a file-based flow is started, from its extension.</summary>
    public static string GuessCommand(string entrypoint)
    {
        ArgumentNullException.ThrowIfNull(entrypoint);
        var path = Normalize(entrypoint);
        var quoted = path.Any(char.IsWhiteSpace) ? $"'{path}'" : path;
        return Path.GetExtension(path).ToUpperInvariant() switch
        {
            ".SH" => $"sh {quoted}",
            ".CS" => $"dotnet run {quoted}",
            ".PY" => $"python {quoted}",
            ".JS" or ".MJS" => $"node {quoted}",
            ".PS1" => $"pwsh {quoted}",
            _ => $"./{quoted}",
        };
    }

    /// <summary>A flow name from a file name: lowercase, with '-' for what names may not hold.</summary>
    public static string NameFromFile(string entrypoint)
    {
        var stem = Path.GetFileNameWithoutExtension(Normalize(entrypoint)).ToLowerInvariant();
        var chars = stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '-').ToArray();
        var name = new string(chars).Trim('-', '_');
        return name.Length == 0 ? "flow" : name[..Math.Min(name.Length, 63)];
    }

    public static string Normalize(string entrypoint) =>
        entrypoint.Replace('\\', '/').StartsWith("./", StringComparison.Ordinal) ? entrypoint.Replace('\\', '/')[2..] : entrypoint.Replace('\\', '/');

    private static IEnumerable<string> Files(string folder)
    {
        var pending = new Stack<string>();
        pending.Push(folder);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            string[] files;
            string[] folders;
            try
            {
                files = Directory.GetFiles(current);
                folders = Directory.GetDirectories(current);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                continue;
            }

            foreach (var file in files.Order(StringComparer.Ordinal))
            {
                yield return file;
            }

            foreach (var sub in folders.OrderDescending(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(sub);
                if (!name.StartsWith('.') && !SkippedFolders.Contains(name))
                {
                    pending.Push(sub);
                }
            }
        }
    }

    private static string? NameInHeader(string file)
    {
        try
        {
            using var reader = new StreamReader(file);
            for (var i = 0; i < HeaderLines; i++)
            {
                var line = reader.ReadLine();
                if (line is null || line.Contains('\0', StringComparison.Ordinal))
                {
                    return null;
                }

                var match = FlowComment().Match(line);
                if (match.Success)
                {
                    return match.Groups["name"].Value;
                }
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // unreadable files are not flows
        }

        return null;
    }
}

using System.Text.RegularExpressions;
using Console.Contracts.Common;

namespace Console.Projects.Flows;

public enum FlowSource
{
    /// <summary>Listed under <c>flows:</c> in console.yaml.</summary>
    Manifest,

    /// <summary>A file that declares <c>flow: name</c> in a comment on one of its first lines.</summary>
    Comment,

    /// <summary>Named by the user (an entrypoint passed or typed), not found in the folder.</summary>
    Entered,
}

/// <summary>A flow of a project folder, ready to deploy: its entrypoint is relative to the folder, its command never empty.</summary>
public sealed record DiscoveredFlow(string Name, string Entrypoint, string Command, FlowSource Source, string? Description = null)
{
    /// <summary>The <c>flows:</c> entry that makes this flow explicit in console.yaml (the command only when it is not the inferred one).</summary>
    public ManifestFlow ToManifestFlow() => new()
    {
        Name = Name,
        Entrypoint = Entrypoint,
        Command = Command == FlowDiscovery.InferCommand(Entrypoint) ? null : Command,
        Description = Description,
    };
}

/// <summary>
/// Finds the files of a project that declare <c>flow: name</c> in a comment (<c>#</c>, <c>//</c>
/// or <c>--</c>) on one of their first five lines, and infers how a flow file starts.
/// </summary>
public static partial class FlowDiscovery
{
    public const int HeaderLines = 5;
    private const int MaxFiles = 5000;
    private const long MaxFileBytes = 1024 * 1024;

    /// <summary>Folders that hold build output, dependencies or tooling rather than flows (also left out of image contexts).</summary>
    public static readonly IReadOnlySet<string> SkippedFolders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "bin", "obj", ".git", "node_modules", "__pycache__", ".venv", "venv",
    };

    [GeneratedRegex(@"^\s*(?:#|//|--)\s*flow:\s*(?<name>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex FlowComment();

    /// <summary>How a flow file starts, from its type: <c>sh f.sh</c>, <c>dotnet run f.cs</c>, <c>python f.py</c>...</summary>
    public static string InferCommand(string entrypoint)
    {
        ArgumentNullException.ThrowIfNull(entrypoint);
        var path = Normalize(entrypoint);
        var quoted = path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '\\') ? $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'" : path;
        return Path.GetExtension(path).ToUpperInvariant() switch
        {
            ".SH" => $"sh {quoted}",
            ".CS" => $"dotnet run {quoted}",
            ".PY" => $"python {quoted}",
            ".JS" or ".MJS" => $"node {quoted}",
            ".PS1" => $"pwsh {quoted}",
            ".SQL" => $"psql -f {quoted}",
            _ => path.Contains('/', StringComparison.Ordinal) ? quoted : $"./{quoted}",
        };
    }

    /// <summary>A valid flow name from a file name (<c>get_repo_info.sh</c> -> <c>get_repo_info</c>).</summary>
    public static string NameFromFile(string entrypoint)
    {
        ArgumentNullException.ThrowIfNull(entrypoint);
        var stem = Path.GetFileNameWithoutExtension(Normalize(entrypoint)).ToLowerInvariant();
        var name = new string([.. stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '-')]).Trim('-', '_');
        name = name.Length == 0 ? "flow" : name[..Math.Min(name.Length, 63)].TrimEnd('-', '_');
        return name;
    }

    /// <summary>Forward slashes, no leading <c>./</c>.</summary>
    public static string Normalize(string entrypoint)
    {
        ArgumentNullException.ThrowIfNull(entrypoint);
        var path = entrypoint.Trim().Replace('\\', '/');
        while (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        return path;
    }

    /// <summary>The flows declared in comments, in a stable order (folder by folder, files by name).</summary>
    /// <param name="problems">Receives declarations that cannot be used (an invalid name), worded for the user.</param>
    public static IReadOnlyList<DiscoveredFlow> FindDeclaredFlows(string folder, Action<string>? problems = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var flows = new List<DiscoveredFlow>();
        foreach (var file in Files(folder).Take(MaxFiles))
        {
            if (Path.GetFileName(file) == FlowProject.ManifestFileName || Declaration(file) is not { } declared)
            {
                continue;
            }

            var (name, line) = declared;

            var entrypoint = Path.GetRelativePath(folder, file).Replace('\\', '/');
            if (!Names.IsValid(name))
            {
                problems?.Invoke($"{entrypoint}, line {line}: '{name}' is not a valid flow name (use 1-63 lowercase letters, digits, and inner '-' or '_'); the file was not taken as a flow.");
                continue;
            }

            flows.Add(new DiscoveredFlow(name, entrypoint, InferCommand(entrypoint), FlowSource.Comment));
        }

        return flows;
    }

    /// <summary>The files of a project folder, skipping hidden folders and <see cref="SkippedFolders"/>.</summary>
    internal static IEnumerable<string> Files(string folder)
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
                if (!name.StartsWith('.') && !SkippedFolders.Contains(name) && !new DirectoryInfo(sub).Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    pending.Push(sub);
                }
            }
        }
    }

    private static (string Name, int Line)? Declaration(string file)
    {
        try
        {
            if (new FileInfo(file).Length > MaxFileBytes)
            {
                return null;
            }

            using var reader = new StreamReader(file);
            for (var i = 1; i <= HeaderLines; i++)
            {
                var line = reader.ReadLine();
                if (line is null || line.Contains('\0', StringComparison.Ordinal))
                {
                    return null;
                }

                var match = FlowComment().Match(line);
                if (match.Success)
                {
                    return (match.Groups["name"].Value, i);
                }
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // an unreadable file is not a flow
        }

        return null;
    }
}

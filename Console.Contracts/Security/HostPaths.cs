namespace Console.Contracts.Security;

/// <summary>
/// Host paths as the Docker engine will see them, and which of them a run may never bind without
/// the template's <c>allowDockerSocket</c>. Paths are compared after normalisation, never as typed:
/// <c>/var/./run</c>, <c>//var//run</c>, <c>/etc/..</c> and <c>/run/.</c> are the folders they name.
/// </summary>
public static class HostPaths
{
    /// <summary>
    /// Folders that hold the engine's socket or state, or give the host away outright: bound, any
    /// of them (or anything below, or any folder above) is root on the worker's host.
    /// </summary>
    public static IReadOnlyList<string> Protected { get; } =
    [
        "/run", "/var/run", "/var/lib/docker", "/var/lib/containerd", "/proc", "/sys", "/dev", "/etc", "/root", "/boot",
    ];

    /// <summary>
    /// Collapses <c>.</c>, <c>..</c> and repeated or trailing slashes of an absolute path, as the
    /// engine's own path cleaning does before it mounts; <c>..</c> above the root stays at the root.
    /// </summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part)
            {
                case ".":
                    break;
                case "..":
                    if (parts.Count > 0)
                    {
                        parts.RemoveAt(parts.Count - 1);
                    }

                    break;
                default:
                    parts.Add(part);
                    break;
            }
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>
    /// Follows symbolic links on this machine, component by component (what the kernel does when
    /// the engine mounts the path). Parts that do not exist here are kept as they are.
    /// </summary>
    public static string ResolveLinks(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var pending = new Queue<string>(Normalize(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        for (var hops = 0; pending.Count > 0;)
        {
            var part = pending.Dequeue();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Parent(current);
                continue;
            }

            var next = current == "/" ? "/" + part : current + "/" + part;
            var target = LinkTarget(next);
            if (target is null || ++hops > 40)
            {
                current = next;
                continue;
            }

            pending = new Queue<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(pending));
            if (target.StartsWith('/'))
            {
                current = "/";
            }
        }

        return current;
    }

    /// <summary>
    /// Whether binding <paramref name="source"/> (already normalised) exposes the engine's socket or
    /// host internals: a socket file, a protected folder, anything below one, or any folder above one.
    /// </summary>
    public static bool IsProtected(string source, IEnumerable<string>? alsoProtected = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source == "/" || Path.GetFileName(source).EndsWith(".sock", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var folder in Protected.Concat(alsoProtected ?? []))
        {
            if (IsSameOrBelow(source, folder) || IsSameOrBelow(folder, source))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSameOrBelow(string path, string folder) =>
        string.Equals(path, folder, StringComparison.Ordinal)
        || (path.StartsWith(folder, StringComparison.Ordinal) && path.Length > folder.Length && path[folder.Length] == '/');

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

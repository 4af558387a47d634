using System.Formats.Tar;
using System.Text;

namespace Console.Projects.Images;

/// <summary>The build context: the project folder as a tar stream, without build output and version control.</summary>
internal static class BuildContext
{
    /// <summary>Left out at any depth: .NET build output and the git database.</summary>
    public static readonly IReadOnlySet<string> Skipped = new HashSet<string>(StringComparer.Ordinal) { "bin", "obj", ".git" };

    /// <summary>A tar of <paramref name="folder"/> (plus <paramref name="extraFiles"/>) in a temporary file deleted on dispose, positioned at 0.</summary>
    public static async Task<Stream> CreateAsync(string folder, IReadOnlyDictionary<string, string> extraFiles, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"console-build-{Guid.NewGuid():N}.tar");
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
            {
                await AddFolderAsync(writer, folder, string.Empty, cancellationToken);
                foreach (var (name, content) in extraFiles)
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                    {
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                        ModificationTime = DateTimeOffset.UtcNow,
                        DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    };
                    await writer.WriteEntryAsync(entry, cancellationToken);
                }
            }

            stream.Position = 0;
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    private static async Task AddFolderAsync(TarWriter writer, string folder, string prefix, CancellationToken cancellationToken)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = prefix + entry.Name;
            if (entry is DirectoryInfo directory)
            {
                if (Skipped.Contains(entry.Name))
                {
                    continue;
                }

                await writer.WriteEntryAsync(entry.FullName, name, cancellationToken);
                if (!directory.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    await AddFolderAsync(writer, entry.FullName, name + "/", cancellationToken);
                }
            }
            else
            {
                await writer.WriteEntryAsync(entry.FullName, name, cancellationToken);
            }
        }
    }
}

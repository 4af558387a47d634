namespace Console.Tests.Flows;

/// <summary>A flow project folder under /tmp for one test, deleted afterwards.</summary>
public sealed class TempProject : IDisposable
{
    public TempProject()
    {
        Folder = Directory.CreateTempSubdirectory("console-flow-").FullName;
    }

    public string Folder { get; }

    public string ManifestPath => Path.Combine(Folder, "console.yaml");

    public TempProject With(string relativePath, string content)
    {
        var path = Path.Combine(Folder, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    public TempProject Manifest(string yaml) => With("console.yaml", yaml);

    public string Read(string relativePath = "console.yaml") => File.ReadAllText(Path.Combine(Folder, relativePath));

    /// <summary>A copy of a folder of the repository's examples/.</summary>
    public static TempProject FromExample(string name)
    {
        var project = new TempProject();
        var source = Path.Combine(Repository.Root, "examples", name);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            project.With(Path.GetRelativePath(source, file), File.ReadAllText(file));
        }

        return project;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // a test's leftovers in /tmp are harmless
        }
    }
}

public static class Repository
{
    /// <summary>The clone's root (the folder of Console.sln), found from the test assembly's folder.</summary>
    public static string Root { get; } = Find();

    public static string Example(string name) => Path.Combine(Root, "examples", name);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Console.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Console.sln not found above {AppContext.BaseDirectory}.");
    }
}

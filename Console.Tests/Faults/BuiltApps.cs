namespace Console.Tests.Faults;

/// <summary>
/// The built server and CLI that fault tests run as separate processes. The test project references
/// both projects, so building it builds them; their output sits beside the test project's own, under
/// the same configuration folder (bin/Debug/net10.0 ...).
/// </summary>
internal static class BuiltApps
{
    private static readonly Lazy<(string Root, string OutputFolder)> Layout = new(FindLayout);

    public static string RepositoryRoot => Layout.Value.Root;

    /// <summary>Console.Web's entry assembly, run as <c>dotnet Console.Web.dll</c>.</summary>
    public static string ServerDll => Find("Console.Web", "Console.Web.dll");

    /// <summary>The CLI (<c>cx</c>), run as <c>dotnet cx.dll worker start ...</c>.</summary>
    public static string CliDll => Find("Console.Cli", "cx.dll");

    /// <summary>The dotnet host running these tests, so children use the same runtime.</summary>
    public static string DotnetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            {
                return host;
            }

            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    private static string Find(string project, string dll)
    {
        var path = Path.Combine(RepositoryRoot, project, Layout.Value.OutputFolder, dll);
        if (File.Exists(path))
        {
            return path;
        }

        // Built with --output elsewhere: the referenced apps are copied beside the tests, runtimeconfig included.
        var beside = Path.Combine(AppContext.BaseDirectory, dll);
        return File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json"))
            ? beside
            : throw new InvalidOperationException(
                $"{dll} not found at {path} nor beside the tests: build the solution first (dotnet build Console.sln, or scripts/test.sh).");
    }

    private static (string, string) FindLayout()
    {
        var output = AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(output); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Console.sln")))
            {
                var testProject = Path.Combine(dir.FullName, "Console.Tests");
                return (dir.FullName, Path.GetRelativePath(testProject, output));
            }
        }

        throw new InvalidOperationException($"No Console.sln above the test output folder {output}: run the tests from a clone of the repository.");
    }
}

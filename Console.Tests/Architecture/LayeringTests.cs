using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;
using Console.Tests.Faults;

namespace Console.Tests.Architecture;

/// <summary>
/// The layering of docs/architecture.md, read from the project files, the restore output and the
/// built assemblies, so a new reference that breaks it fails here rather than in a review.
/// </summary>
public sealed class LayeringTests
{
    private static readonly string[] Persistence = ["Microsoft.EntityFrameworkCore", "Microsoft.Data.Sqlite", "Npgsql", "SQLitePCLRaw"];

    [Theory]
    [InlineData("Console.Contracts", new string[0])]
    [InlineData("Console.Core", new[] { "Console.Contracts" })]
    [InlineData("Console.Worker", new[] { "Console.Contracts" })]
    [InlineData("Console.Cli", new[] { "Console.Contracts", "Console.Worker" })]
    public void A_project_references_only_the_projects_below_it(string project, string[] allowed)
    {
        var references = ProjectReferences(project);
        var outside = references.Except(allowed, StringComparer.Ordinal).ToList();
        Assert.True(outside.Count == 0, $"{project} references {string.Join(", ", outside)}; it may reference only: {(allowed.Length == 0 ? "none of ours" : string.Join(", ", allowed))}.");
    }

    [Theory]
    [InlineData("Console.Contracts")]
    [InlineData("Console.Worker")]
    [InlineData("Console.Cli")]
    public void Contracts_worker_and_cli_restore_no_persistence_package(string project)
    {
        var assets = Path.Combine(BuiltApps.RepositoryRoot, project, "obj", "project.assets.json");
        Assert.True(File.Exists(assets), $"{assets} is missing: restore the solution first (dotnet restore Console.sln).");
        using var json = JsonDocument.Parse(File.ReadAllText(assets));
        var packages = json.RootElement.GetProperty("libraries").EnumerateObject()
            .Select(library => library.Name)
            .Where(name => Persistence.Any(p => name.StartsWith(p + ".", StringComparison.OrdinalIgnoreCase) || name.StartsWith(p + "/", StringComparison.OrdinalIgnoreCase)))
            .ToList();
        Assert.True(packages.Count == 0, $"{project}'s restore output holds persistence packages: {string.Join(", ", packages)}.");
    }

    [Theory]
    [InlineData("Console.Contracts", new[] { "Console.", "Microsoft.AspNetCore", "cx" })]
    [InlineData("Console.Core", new[] { "Console.Web", "Console.Worker", "Console.Cli", "cx" })]
    [InlineData("Console.Worker", new[] { "Console.Web", "Console.Core", "Console.Cli", "cx", "Microsoft.EntityFrameworkCore", "Microsoft.Data.Sqlite", "Npgsql" })]
    [InlineData("cx", new[] { "Console.Web", "Console.Core", "Microsoft.EntityFrameworkCore", "Microsoft.Data.Sqlite", "Npgsql" })]
    public void A_built_assembly_loads_nothing_from_the_layers_it_must_not_see(string assembly, string[] forbidden)
    {
        var referenced = Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var wrong = referenced.Where(name => forbidden.Any(f => name == f || name.StartsWith(f.EndsWith('.') ? f : f + ".", StringComparison.Ordinal))).ToList();
        Assert.True(wrong.Count == 0, $"{assembly} references {string.Join(", ", wrong)}.");
    }

    /// <summary>Our projects <paramref name="project"/> reaches through ProjectReference, directly or not.</summary>
    private static SortedSet<string> ProjectReferences(string project)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            var file = Path.Combine(BuiltApps.RepositoryRoot, current, current + ".csproj");
            Assert.True(File.Exists(file), $"{file} is missing.");
            var references = XDocument.Load(file).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));
            foreach (var reference in references)
            {
                if (found.Add(reference))
                {
                    pending.Push(reference);
                }
            }
        }

        return found;
    }
}

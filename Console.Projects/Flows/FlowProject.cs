using Console.Contracts;

namespace Console.Projects.Flows;

/// <summary>
/// A flow project: a folder with an optional <c>console.yaml</c> manifest and flow files. Loading
/// reads and checks the manifest (a <see cref="FlowProjectException"/> names the file and line of
/// any problem) and discovers the flows: the manifest's, then files whose first lines declare
/// <c>flow: name</c> in a comment.
/// </summary>
public sealed class FlowProject
{
    public const string ManifestFileName = "console.yaml";

    private FlowProject(string folder, FlowManifest manifest, bool hasManifest, IReadOnlyList<DiscoveredFlow> flows, IReadOnlyList<string> warnings)
    {
        Folder = folder;
        Manifest = manifest;
        HasManifest = hasManifest;
        Flows = flows;
        Warnings = warnings;
    }

    /// <summary>The project folder (full path).</summary>
    public string Folder { get; }

    public string ManifestPath => Path.Combine(Folder, ManifestFileName);

    /// <summary>Whether the folder has a console.yaml; when not, <see cref="Manifest"/> is empty.</summary>
    public bool HasManifest { get; }

    public FlowManifest Manifest { get; }

    /// <summary>The manifest's flows first, then the ones declared in comments (a name is listed once).</summary>
    public IReadOnlyList<DiscoveredFlow> Flows { get; }

    /// <summary>What discovery left out and why (e.g. an invalid flow name in a comment), for the user to read.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <exception cref="FlowProjectException">The manifest cannot be read or is not of the expected shape.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static FlowProject Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"The flow project folder '{full}' does not exist.");
        }

        var path = Path.Combine(full, ManifestFileName);
        var hasManifest = File.Exists(path);
        var manifest = hasManifest ? Read(path) : new FlowManifest();
        var warnings = new List<string>();
        var flows = new List<DiscoveredFlow>();
        foreach (var flow in manifest.Flows)
        {
            var entrypoint = flow.Entrypoint!;
            if (!File.Exists(Path.Combine(full, entrypoint)))
            {
                warnings.Add($"{ManifestFileName}, line {flow.Line}: the entrypoint '{entrypoint}' of flow '{flow.Name}' is not a file in {full}.");
            }

            flows.Add(new DiscoveredFlow(flow.Name!, entrypoint, flow.Command ?? FlowDiscovery.InferCommand(entrypoint), FlowSource.Manifest, flow.Description));
        }

        foreach (var declared in FlowDiscovery.FindDeclaredFlows(full, warnings.Add))
        {
            if (flows.FirstOrDefault(f => f.Name == declared.Name) is { } known)
            {
                if (known.Entrypoint != declared.Entrypoint)
                {
                    warnings.Add($"{declared.Entrypoint} declares flow '{declared.Name}', which is already {known.Entrypoint}; it was left out.");
                }

                continue;
            }

            flows.Add(declared);
        }

        return new FlowProject(full, manifest, hasManifest, flows, warnings);
    }

    /// <summary>The flows of a folder: the manifest's <c>flows</c> plus the files that declare <c>flow: name</c> in a comment.</summary>
    public static IReadOnlyList<DiscoveredFlow> Discover(string folder) => Load(folder).Flows;

    /// <summary>
    /// Saves the deployment in the folder's console.yaml (creating the file if needed): the entry
    /// with the same name and flow is changed where it differs, only on the lines of the values
    /// that changed, or the deployment is added at the end of <c>deployments</c>. Everything else
    /// (comments, blank lines, key order, indentation, fields left as they were) stays byte for
    /// byte. Start from the saved entry (<see cref="FindDeployment"/>, then
    /// <see cref="ManifestDeployment.Clone"/>) so fields a caller does not handle are kept; a field
    /// set to null is removed. When <paramref name="flow"/> is given and the manifest does not list
    /// a flow of that name, it is added to <c>flows</c> too (so a flow found through a comment
    /// becomes explicit).
    /// </summary>
    /// <exception cref="FlowProjectException">The deployment or the manifest is not valid; the file is left untouched.</exception>
    public static void SaveDeployment(string folder, ManifestDeployment deployment, ManifestFlow? flow = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(deployment);
        DeploymentMapping.Check(deployment);
        if (flow is not null)
        {
            DeploymentMapping.Check(flow);
        }

        var path = Path.Combine(Path.GetFullPath(folder), ManifestFileName);
        var (text, bom) = ReadText(path);
        var manifest = Parse(text, path);
        if (flow is not null && !manifest.Flows.Any(f => f.Name == flow.Name))
        {
            text = ManifestEditor.Save(text, path, "flows", [.. manifest.Flows.Select(ManifestWriter.ToYaml)], null, ManifestWriter.ToYaml(flow),
                edited => [.. Parse(edited, path).Flows.Select(ManifestWriter.ToYaml)]);
        }

        var at = manifest.Deployments.FindIndex(d => d.Name == deployment.Name && (d.Flow ?? deployment.Flow) == deployment.Flow);
        text = ManifestEditor.Save(text, path, "deployments", [.. manifest.Deployments.Select(ManifestWriter.ToYaml)], at < 0 ? null : at,
            ManifestWriter.ToYaml(deployment), edited => [.. Parse(edited, path).Deployments.Select(ManifestWriter.ToYaml)]);

        // Never leave a manifest behind that the next load would refuse.
        Parse(text, path);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text, new System.Text.UTF8Encoding(bom));
        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc cref="SaveDeployment(string, ManifestDeployment, ManifestFlow?)"/>
    public void SaveDeployment(ManifestDeployment deployment, ManifestFlow? flow = null) => SaveDeployment(Folder, deployment, flow);

    public DiscoveredFlow? FindFlow(string name) => Flows.FirstOrDefault(f => f.Name == name);

    /// <summary>The saved deployment of that name (and flow, when given), or null.</summary>
    public ManifestDeployment? FindDeployment(string name, string? flow = null) =>
        Manifest.Deployments.FirstOrDefault(d => d.Name == name && (flow is null || d.Flow is null || d.Flow == flow));

    /// <summary>The flow a deployment runs: the one it names, else the one of its entrypoint, else the project's only flow.</summary>
    /// <exception cref="FlowProjectException">The deployment does not identify a flow of this project.</exception>
    public DiscoveredFlow ResolveFlow(ManifestDeployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var entrypoint = deployment.Entrypoint is null ? null : FlowDiscovery.Normalize(deployment.Entrypoint);
        if (deployment.Flow is { } name)
        {
            return FindFlow(name)
                ?? (entrypoint is null ? null : new DiscoveredFlow(name, entrypoint, FlowDiscovery.InferCommand(entrypoint), FlowSource.Manifest))
                ?? throw Problem(deployment, $"deployment '{deployment.Name}' runs flow '{name}', which this project does not have ({Known()}).");
        }

        if (entrypoint is not null)
        {
            return Flows.FirstOrDefault(f => f.Entrypoint == entrypoint)
                ?? new DiscoveredFlow(FlowDiscovery.NameFromFile(entrypoint), entrypoint, FlowDiscovery.InferCommand(entrypoint), FlowSource.Manifest);
        }

        return Flows.Count == 1
            ? Flows[0]
            : throw Problem(deployment, $"deployment '{deployment.Name}' does not say which flow it runs: add 'flow:' ({Known()}).");
    }

    /// <summary>The REST request that creates the deployment (see <see cref="DeploymentMapping.ToCreateRequest"/>).</summary>
    public CreateDeploymentRequest ToCreateRequest(ManifestDeployment deployment) => ToCreateRequest(deployment, ResolveFlow(deployment));

    /// <summary>The REST request that creates the deployment for <paramref name="flow"/> (one the user named, perhaps not of the folder).</summary>
    public CreateDeploymentRequest ToCreateRequest(ManifestDeployment deployment, DiscoveredFlow flow)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        try
        {
            return DeploymentMapping.ToCreateRequest(deployment, flow);
        }
        catch (FlowProjectException ex) when (ex.FilePath is null && deployment.Line is not null && HasManifest)
        {
            throw new FlowProjectException(ex.Reason, ManifestPath, deployment.Line, null, ex);
        }
    }

    /// <summary>The request for the saved deployment of that name.</summary>
    public CreateDeploymentRequest ToCreateRequest(string deploymentName, string? flow = null) =>
        ToCreateRequest(FindDeployment(deploymentName, flow)
            ?? throw new FlowProjectException($"{ManifestFileName} has no deployment named '{deploymentName}'.", HasManifest ? ManifestPath : null));

    private static FlowManifest Read(string path) => Parse(ReadText(path).Text, path);

    private static FlowManifest Parse(string text, string path) => new ManifestReader(path).Read(ManifestYaml.Parse(text, path));

    /// <summary>The file's text (empty when there is none) and whether it starts with a UTF-8 byte order mark, to write it back the same.</summary>
    private static (string Text, bool Bom) ReadText(string path)
    {
        if (!File.Exists(path))
        {
            return (string.Empty, false);
        }

        var bytes = File.ReadAllBytes(path);
        var bom = bytes.AsSpan().StartsWith(System.Text.Encoding.UTF8.Preamble);
        return (System.Text.Encoding.UTF8.GetString(bom ? bytes[3..] : bytes), bom);
    }

    private FlowProjectException Problem(ManifestDeployment deployment, string reason) =>
        new(reason, HasManifest && deployment.Line is not null ? ManifestPath : null, deployment.Line);

    private string Known() =>
        Flows.Count == 0 ? "it has none" : "it has " + string.Join(", ", Flows.Select(f => $"{f.Name} ({f.Entrypoint})"));
}

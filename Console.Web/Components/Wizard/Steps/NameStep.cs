using Console.Contracts.Common;

namespace Console.Web.Components.Wizard;

/// <summary>Step 3: the deployment's name, checked while typing against the rules and the flow's taken names.</summary>
public sealed class NameStep
{
    private readonly HashSet<string> _takenNames = new(StringComparer.Ordinal);
    private string? _takenFor;

    public string Name { get; private set; } = string.Empty;

    public bool Touched { get; private set; }

    public string? ServerError { get; set; }

    public void Set(string? name)
    {
        Name = name ?? string.Empty;
        Touched = true;
        ServerError = null;
    }

    /// <summary>The deployment names the chosen flow already has, for the duplicate check while typing.</summary>
    public void SetTaken(string flow, IEnumerable<string> names)
    {
        _takenFor = flow;
        _takenNames.Clear();
        _takenNames.UnionWith(names);
    }

    public void NoteTaken(string flow, string name)
    {
        if (flow == _takenFor)
        {
            _takenNames.Add(name);
        }
    }

    public bool NeedsTaken(string flow) => _takenFor != flow;

    public string? Error(string flow) => RuleError(flow) ?? ServerError;

    public bool Check(string flow)
    {
        Touched = true;
        return Error(flow) is null;
    }

    private string? RuleError(string flow)
    {
        if (!Touched)
        {
            return null;
        }

        var name = Name.Trim();
        if (name.Length == 0)
        {
            return "A name is required.";
        }

        try
        {
            Names.Require(name, "name");
        }
        catch (InvalidRequestException ex)
        {
            return ex.Message;
        }

        return _takenFor == flow && _takenNames.Contains(name) ? $"Deployment '{flow}/{name}' already exists." : null;
    }
}

using Console.Contracts.Common;
using Console.Projects.Flows;

namespace Console.Web.Components.Wizard;

/// <summary>Step 2: the flow's entrypoint and the command a run starts it with.</summary>
public sealed class EntrypointStep
{
    public string Entrypoint { get; set; } = string.Empty;

    public string? EntrypointError { get; set; }

    public string Command { get; set; } = string.Empty;

    public string? CommandError { get; set; }

    public void Prefill(DiscoveredFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        Entrypoint = flow.Entrypoint;
        Command = flow.Command;
        EntrypointError = null;
        CommandError = null;
    }

    /// <param name="inProject">A project's entrypoint must stay inside its folder.</param>
    public bool Check(bool inProject)
    {
        EntrypointError = null;
        CommandError = null;
        var entrypoint = Entrypoint.Trim();
        if (entrypoint.Length == 0)
        {
            EntrypointError = "An entrypoint is required (the flow's file, or file:function).";
        }
        else if (inProject && (Path.IsPathRooted(entrypoint) || FlowDiscovery.Normalize(entrypoint).Split('/').Contains("..")))
        {
            EntrypointError = "The entrypoint must be relative to the project folder.";
        }

        try
        {
            CommandLine.Split(Command);
        }
        catch (InvalidRequestException ex)
        {
            CommandError = ex.Message;
        }

        return EntrypointError is null && CommandError is null;
    }
}

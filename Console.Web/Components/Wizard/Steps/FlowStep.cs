using Console.Contracts.Common;
using Console.Projects.Flows;
using Console.Projects.Images;

namespace Console.Web.Components.Wizard;

public enum FlowSourceKind
{
    Project,
    Image,
}

/// <summary>Step 1: where the flow comes from (a project folder on the server, or an existing image) and which flow.</summary>
public sealed class FlowStep
{
    public FlowSourceKind Source { get; set; } = FlowSourceKind.Project;

    public string ProjectPath { get; set; } = string.Empty;

    public FlowProject? Project { get; private set; }

    public string? ProjectError { get; set; }

    public string? FlowName { get; set; }

    public string? FlowError { get; set; }

    public string ExistingImage { get; set; } = string.Empty;

    public string? ExistingImageError { get; set; }

    public string ImageFlowName { get; set; } = string.Empty;

    public DiscoveredFlow? Flow => Project?.FindFlow(FlowName ?? string.Empty);

    public string EffectiveFlowName => Source == FlowSourceKind.Project ? FlowName ?? string.Empty : ImageFlowName.Trim();

    /// <returns>Whether the flow changed (the project's first one is picked when the chosen one is not in it).</returns>
    public bool Load(FlowProject project)
    {
        ArgumentNullException.ThrowIfNull(project);
        Project = project;
        ProjectError = null;
        if (Flow is not null)
        {
            return false;
        }

        FlowName = project.Flows.Count > 0 ? project.Flows[0].Name : null;
        return true;
    }

    public void Clear(string error)
    {
        Project = null;
        ProjectError = error;
    }

    /// <summary>The checks that need no database: a loaded project and a flow of it, or a valid image and flow name.</summary>
    public bool Check()
    {
        FlowError = null;
        ExistingImageError = null;
        if (Source == FlowSourceKind.Project)
        {
            if (Project is null)
            {
                ProjectError ??= "Load a flow project folder first.";
                return false;
            }

            if (Flow is null)
            {
                FlowError = Project.Flows.Count == 0
                    ? "This folder has no flows: list them in console.yaml or add a '# flow: name' comment to a file."
                    : "Pick the flow to deploy.";
                return false;
            }

            return true;
        }

        var ok = true;
        try
        {
            ImageReference.Parse(ExistingImage);
        }
        catch (ArgumentException ex)
        {
            ExistingImageError = ExistingImage.Trim().Length == 0 ? "The image to run is required." : WizardModel.Reason(ex);
            ok = false;
        }

        try
        {
            Names.Require(ImageFlowName.Trim(), "flowName");
        }
        catch (InvalidRequestException ex)
        {
            FlowError = ImageFlowName.Trim().Length == 0 ? "Name the flow the image runs." : ex.Message;
            ok = false;
        }

        return ok;
    }
}

using Console.Projects.Flows;
using Console.Projects.Images;

namespace Console.Web.Components.Wizard;

/// <summary>Step 7 (docker pools deploying a project): a custom image, built from the project and perhaps pushed.</summary>
public sealed class ImageStep
{
    public bool BuildImage { get; set; }

    public string Repository { get; set; } = string.Empty;

    /// <summary>Null until edited: it follows the deployment's name.</summary>
    public string? ImageName { get; set; }

    public string Tag { get; set; } = ImageReference.DefaultTag;

    public bool Push { get; set; }

    public string? RepositoryError { get; set; }

    public string? ImageNameError { get; set; }

    public string? TagError { get; set; }

    public string EffectiveImageName(string deploymentName) =>
        string.IsNullOrWhiteSpace(ImageName) ? deploymentName.Trim() : ImageName.Trim();

    public bool Check(string deploymentName)
    {
        RepositoryError = null;
        ImageNameError = null;
        TagError = null;
        try
        {
            ImageReference.Create(Repository, EffectiveImageName(deploymentName), Tag);
            return true;
        }
        catch (ArgumentException ex)
        {
            switch (ex.ParamName)
            {
                case "repository":
                    RepositoryError = WizardModel.Reason(ex);
                    break;
                case "tag":
                    TagError = WizardModel.Reason(ex);
                    break;
                default:
                    ImageNameError = WizardModel.Reason(ex);
                    break;
            }

            return false;
        }
    }

    public ImageReference Image(string deploymentName) => ImageReference.Create(Repository, EffectiveImageName(deploymentName), Tag);

    /// <summary>The build section: the saved one's other fields (Dockerfile, base image) kept, the answers' written only where they differ.</summary>
    public ManifestBuild ToBuild(string deploymentName, ManifestBuild? saved = null)
    {
        var build = saved is null ? new ManifestBuild() : new ManifestBuild
        {
            Dockerfile = saved.Dockerfile,
            Repository = saved.Repository,
            ImageName = saved.ImageName,
            Tag = saved.Tag,
            Push = saved.Push,
            BaseImage = saved.BaseImage,
        };
        build.Repository = string.IsNullOrWhiteSpace(Repository) ? null : Repository.Trim();
        var name = EffectiveImageName(deploymentName);
        if (name != (build.ImageName ?? deploymentName.Trim()) || saved is null)
        {
            build.ImageName = name;
        }

        var tag = string.IsNullOrWhiteSpace(Tag) ? ImageReference.DefaultTag : Tag.Trim();
        if (tag != (build.Tag ?? ImageReference.DefaultTag) || saved is null)
        {
            build.Tag = tag;
        }

        if (Push != (build.Push ?? false) || saved is null)
        {
            build.Push = Push;
        }

        return build;
    }

    public void StartFrom(ManifestBuild? saved)
    {
        BuildImage = saved is not null;
        Repository = saved?.Repository ?? string.Empty;
        ImageName = saved?.ImageName;
        Tag = saved?.Tag ?? ImageReference.DefaultTag;
        Push = saved?.Push ?? false;
    }
}

namespace Console.Web.Hosting;

/// <summary>
/// The app's content root is the repository root (appsettings.json and wwwroot/ live there, as the
/// design card fixes). From a clone we find it by its Console.sln; published, it is the app folder.
/// </summary>
public static class ContentRoot
{
    public static string Find()
    {
        // A published console carries its own settings and web root (the framework's scripts
        // included), wherever its folder is: a publish inside a clone (scripts/publish-console.sh's
        // default folder) must not serve the clone's wwwroot, which has no _framework/.
        if (IsPublished(AppContext.BaseDirectory))
        {
            return AppContext.BaseDirectory;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Console.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return AppContext.BaseDirectory;
    }

    /// <summary>Only a publish copies the framework's static files into the app's wwwroot; a build serves them from the packages.</summary>
    internal static bool IsPublished(string folder) => File.Exists(Path.Combine(folder, "wwwroot", "_framework", "blazor.web.js"));
}

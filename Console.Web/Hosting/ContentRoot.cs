namespace Console.Web.Hosting;

/// <summary>
/// The app's content root is the repository root (appsettings.json and wwwroot/ live there, as the
/// design card fixes). From a clone we find it by its Console.sln; published, it is the app folder.
/// </summary>
public static class ContentRoot
{
    public static string Find()
    {
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
}

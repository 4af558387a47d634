namespace Console.Tests.Faults;

/// <summary>
/// The built console as its own process (<see cref="ServerProcess"/>) as fault tests run it: the
/// Development environment (it serves the app's static assets from the build output), the
/// periodic jobs only where a test asks for them, and an embedded-worker folder of its own.
/// </summary>
internal static class FaultServer
{
    /// <param name="settings">Configuration keys (<c>Jobs:Enabled</c>, ...) passed as environment variables.</param>
    public static Task<ServerProcess> StartAsync(string folder, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            // As in the in-process test hosts: the periodic jobs run only where a test asks for them.
            ["Jobs:Enabled"] = "false",
            ["Worker:StateDirectory"] = Path.Combine(folder, "embedded-worker"),
            ["Logging:LogLevel:Default"] = "Information",
            ["WorkPools:DefaultImage"] = Infrastructure.TestEnvironment.TestImage,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return ServerProcess.StartAsync(new ServerStart(BuiltApps.ServerDll, folder) { DotnetHost = BuiltApps.DotnetHost, Settings = all });
    }
}

namespace Console.Testing;

/// <summary>
/// A standalone worker as a user starts it: <c>cx worker start --pool P --api URL --name N</c>, its
/// own OS process. Settings the CLI has no flag for go in as environment variables
/// (<c>Worker:HeartbeatIntervalSeconds</c> becomes <c>Worker__HeartbeatIntervalSeconds</c>), which
/// the CLI's worker host reads.
/// </summary>
public static class WorkerProcess
{
    /// <summary>Starts the worker; it is running (not necessarily polling yet) when this returns.</summary>
    /// <param name="cliDll">The built CLI (<c>cx.dll</c>).</param>
    /// <param name="arguments">More flags of <c>worker start</c> (e.g. <c>--drain-timeout 1</c>).</param>
    public static ChildProcess StartCli(string dotnetHost, string cliDll, string apiUrl, string pool, string name,
        IReadOnlyDictionary<string, string?>? settings = null, string? workingDirectory = null, string? logPath = null,
        IEnumerable<string>? arguments = null) =>
        Start(dotnetHost, [cliDll], apiUrl, pool, name, settings, workingDirectory, logPath, arguments);

    /// <summary>The same through the installed tool's own <c>cx</c> command (what <c>scripts/install-cx.sh</c> puts on the PATH).</summary>
    public static ChildProcess StartInstalled(string cx, string apiUrl, string pool, string name,
        IReadOnlyDictionary<string, string?>? settings = null, string? workingDirectory = null, string? logPath = null) =>
        Start(cx, [], apiUrl, pool, name, settings, workingDirectory, logPath, null);

    private static ChildProcess Start(string program, string[] programArgs, string apiUrl, string pool, string name,
        IReadOnlyDictionary<string, string?>? settings, string? workingDirectory, string? logPath, IEnumerable<string>? arguments)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CONSOLE_CLI_PROMPT"] = "0",
            ["CONSOLE_API_KEY"] = null,
            // Never a state folder of the machine's own worker.
            ["Worker__StateDirectory"] = null,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return ChildProcess.Run($"worker {name}", program,
            [.. programArgs, "worker", "start", "--pool", pool, "--api", apiUrl.TrimEnd('/'), "--name", name, .. arguments ?? []], environment, workingDirectory, logPath);
    }
}

namespace Console.Tests.Faults;

/// <summary>
/// A standalone worker as a user starts it: <c>cx worker start --pool P --api URL --name N</c>, its
/// own OS process. Settings the CLI has no flag for go in as environment variables
/// (<c>Worker__HeartbeatIntervalSeconds</c>), which the CLI's worker host reads.
/// </summary>
internal static class WorkerProcess
{
    /// <summary>Quick enough for tests: a poll held 5 s at most, a cancel check every 0.2 s.</summary>
    private static readonly Dictionary<string, string?> TestDefaults = new()
    {
        ["Worker:PollWaitSeconds"] = "5",
        ["Worker:CancelCheckSeconds"] = "0.2",
        ["Worker:CancelGraceSeconds"] = "1",
        ["Worker:CreatePoolIfMissing"] = "false",
    };

    /// <summary>Starts the worker; it is running (not necessarily polling yet) when this returns.</summary>
    public static ChildProcess Start(string apiUrl, string pool, string name, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CONSOLE_CLI_PROMPT"] = "0",
            ["CONSOLE_API_KEY"] = null,
            // Never a state folder of the machine's own worker.
            ["Worker__StateDirectory"] = null,
        };
        foreach (var (key, value) in TestDefaults.Concat(settings ?? new Dictionary<string, string?>()))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new ChildProcess($"worker {name}", BuiltApps.DotnetHost,
            [BuiltApps.CliDll, "worker", "start", "--pool", pool, "--api", apiUrl, "--name", name], environment);
        process.Start();
        return process;
    }
}

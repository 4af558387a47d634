namespace Console.Bench.Infra;

/// <summary>
/// A standalone worker as a child process: the CLI's `cx worker start` when it is built with that
/// command, else this harness's `worker-host` (the same library, hosted the same way).
/// </summary>
internal static class WorkerProcess
{
    private static string? _cliProblem;
    private static bool _cliChecked;

    public static async Task<(ChildProcess Process, string Kind)> StartAsync(
        BenchOptions options, Uri api, string pool, string name, IReadOnlyDictionary<string, string?>? env = null)
    {
        var useCli = options.WorkerMode switch
        {
            "cli" => true,
            "host" => false,
            _ => await CliProblemAsync() is null,
        };
        if (useCli && await CliProblemAsync() is { } problem)
        {
            throw new InvalidOperationException($"--worker cli: {problem}");
        }

        var vars = new Dictionary<string, string?>(env ?? new Dictionary<string, string?>());
        var log = Path.Combine(options.WorkFolder, $"worker-{name}.log");
        Directory.CreateDirectory(options.WorkFolder);
        if (useCli)
        {
            vars["CONSOLE_CLI_PROMPT"] = "0";
            var cli = Repo.CliDll()!;
            var child = ChildProcess.Start("dotnet", [cli, "worker", "start", "--pool", pool, "--name", name, "--api", api.ToString().TrimEnd('/')], vars, log, options.WorkFolder);
            return (child, "cx worker start");
        }

        vars["Worker__Enabled"] = "true";
        vars["Worker__Pools__0"] = pool;
        vars["Worker__Name"] = name;
        vars["Worker__ApiUrl"] = api.ToString().TrimEnd('/');
        var host = ChildProcess.Start("dotnet", [Repo.BenchDll, "worker-host"], vars, log, options.WorkFolder);
        return (host, "Console.Bench worker-host (Console.Worker library; the CLI's worker start is not built)");
    }

    /// <summary>Null when the built CLI has `worker start`, else why not.</summary>
    public static async Task<string?> CliProblemAsync()
    {
        if (_cliChecked)
        {
            return _cliProblem;
        }

        _cliChecked = true;
        var cli = Repo.CliDll();
        if (cli is null)
        {
            return _cliProblem = "Console.Cli is not built (cx.dll not found)";
        }

        var (code, output) = await Repo.RunAsync("dotnet", [cli, "worker", "start", "--help"], TimeSpan.FromSeconds(60));
        return _cliProblem = code == 0 && output.Contains("--pool", StringComparison.Ordinal)
            ? null
            : $"{cli} has no `worker start` command";
    }

    /// <summary>Waits until the server lists the worker as Online.</summary>
    public static async Task WaitOnlineAsync(ApiClient api, string pool, string name, ChildProcess child, TimeSpan timeout, CancellationToken ct)
    {
        var t0 = Clock.Now;
        while (Clock.MsSince(t0) < timeout.TotalMilliseconds)
        {
            if (child.HasExited)
            {
                throw new InvalidOperationException($"The worker exited; its log ends:\n{child.Tail()}");
            }

            try
            {
                var workers = await api.WorkersAsync(pool, ct);
                if (workers.Any(w => w.Name == name && w.Status == Console.Contracts.WorkerStatus.Online))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"Worker {name} did not come online in {timeout.TotalSeconds:F0} s; its log ends:\n{child.Tail()}");
    }
}

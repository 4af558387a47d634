using Console.Contracts;
using Console.Testing;

namespace Console.Bench.Infra;

/// <summary>
/// A standalone worker as a child process: the CLI's `cx worker start` (<see cref="WorkerProcess"/>)
/// when it is built with that command, else this harness's `worker-host` (the same library, hosted
/// the same way); `--worker tool` installs the CLI as users do (<see cref="InstalledCli"/>) and
/// starts its `cx`. `--worker-env "K=V;K2=V2"` sets runtime or product settings for the experiment.
/// </summary>
internal static class BenchWorkers
{
    private static string? _cliProblem;
    private static bool _cliChecked;

    public static async Task<(ChildProcess Process, string Kind)> StartAsync(
        BenchOptions options, Uri api, string pool, string name, IReadOnlyDictionary<string, string?>? env = null)
    {
        var vars = new Dictionary<string, string?>(env ?? new Dictionary<string, string?>());
        foreach (var pair in (options.Get("worker-env") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            vars[pair[..eq]] = pair[(eq + 1)..];
        }

        var log = Path.Combine(options.WorkFolder, $"worker-{name}.log");
        Directory.CreateDirectory(options.WorkFolder);
        if (options.WorkerMode == "tool")
        {
            var cx = await InstalledCli.PathAsync(options);
            return (WorkerProcess.StartInstalled(cx, api.ToString(), pool, name, vars, options.WorkFolder, log), "cx worker start (the installed tool, Release)");
        }

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

        if (useCli)
        {
            var child = WorkerProcess.StartCli("dotnet", Repo.CliDll()!, api.ToString(), pool, name, vars, options.WorkFolder, log);
            return (child, "cx worker start");
        }

        vars["Worker__Enabled"] = "true";
        vars["Worker__Pools__0"] = pool;
        vars["Worker__Name"] = name;
        vars["Worker__ApiUrl"] = api.ToString().TrimEnd('/');
        var host = ChildProcess.Run($"worker-host {name}", "dotnet", [Repo.BenchDll, "worker-host"], vars, options.WorkFolder, log);
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
    public static Task WaitOnlineAsync(HttpClient api, string pool, string name, ChildProcess child, TimeSpan timeout, CancellationToken ct) =>
        Wait.UntilAsync(async () =>
        {
            if (child.HasExited)
            {
                throw new InvalidOperationException($"The worker exited.\n{child.RecentOutput(30)}");
            }

            try
            {
                return (await api.WorkersAsync(pool, ct)).Any(w => w.Name == name && w.Status == WorkerStatus.Online);
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, $"worker {name} to come online", (int)timeout.TotalSeconds, ct);
}

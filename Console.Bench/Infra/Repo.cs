using System.Diagnostics;

namespace Console.Bench.Infra;

/// <summary>Where the repository and the built programs are.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration this harness was built in; the server and CLI are looked up in the same one first.</summary>
    public static string Configuration { get; } =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    public static string WebDll(string? overridePath) =>
        overridePath ?? FindBuilt("Console.Web", "Console.Web.dll")
        ?? throw new InvalidOperationException(
            "Console.Web.dll is not built: run `dotnet build Console.Bench -c Release` (it builds the server too) or pass --server-dll.");

    public static string? CliDll() => FindBuilt("Console.Cli", "cx.dll");

    /// <summary>This harness's own dll, to start it again as a child (worker-host).</summary>
    public static string BenchDll => typeof(Repo).Assembly.Location;

    private static string? FindBuilt(string project, string dll)
    {
        foreach (var config in new[] { Configuration, Configuration == "Release" ? "Debug" : "Release" })
        {
            var path = Path.Combine(Root, project, "bin", config, "net10.0", dll);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static string FindRoot()
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

        throw new InvalidOperationException("Run the harness from the repository (Console.sln not found above the current folder).");
    }

    /// <summary>Runs a short command and returns its exit code and output (bounded by a timeout).</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} timed out after {timeout.TotalSeconds:F0} s");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }
}

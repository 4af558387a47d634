namespace Console.Bench.Infra;

/// <summary>
/// The CLI as users get it (README, scripts/install-cx.sh): Console.Cli packed in Release as a .NET
/// tool and installed from that package, here into a tool path of the harness's work folder rather
/// than the user's global tools. Its `cx` runs with the package's runtime settings, so B6 weighs
/// exactly what a user's `cx worker start` weighs (on Linux the trimmed, self-contained package the
/// script's PackPerPlatform makes).
/// </summary>
internal static class InstalledCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private static string? _cx;

    public static async Task<string> PathAsync(BenchOptions options)
    {
        if (_cx is not null)
        {
            return _cx;
        }

        var feed = Path.Combine(options.WorkFolder, "cx-feed");
        var tools = Path.Combine(options.WorkFolder, "cx-tool");
        var version = $"0.1.0-bench.{DateTime.UtcNow:yyyyMMddHHmmss}";
        Out.Step("packing and installing the CLI as users do (dotnet pack -c Release, dotnet tool install)");
        await RunAsync("dotnet", ["pack", Path.Combine(Repo.Root, "Console.Cli"), "-c", "Release", "-o", feed, $"-p:Version={version}", "-p:PackPerPlatform=true", "-nologo", "-v", "quiet"]);
        await RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", feed, "--version", version, "Console.Cli"]);
        var cx = Path.Combine(tools, "cx");
        return File.Exists(cx) ? _cx = cx : throw new InvalidOperationException($"dotnet tool install put no cx in {tools}");
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var (code, output) = await Repo.RunAsync(file, args, Timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}):\n{output}");
        }
    }
}

namespace Console.Bench.Infra;

/// <summary>
/// The console as docs/deploy.md publishes it for a host (scripts/publish-console.sh): self-contained,
/// its framework trimmed to what it uses (ADR 0011). Published once per harness run, into its work
/// folder, and started by its own executable as a user starts it.
/// </summary>
internal static class PublishedConsole
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private static string? _app;

    /// <summary>The published console's executable.</summary>
    public static async Task<string> AppHostAsync(BenchOptions options)
    {
        if (_app is not null)
        {
            return _app;
        }

        var folder = Path.Combine(options.WorkFolder, "console-published");
        Out.Step("publishing the console as docs/deploy.md does for a host (scripts/publish-console.sh)");
        var (code, output) = await Repo.RunAsync("bash", [Path.Combine(Repo.Root, "scripts", "publish-console.sh"), folder], Timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"scripts/publish-console.sh failed ({code}):\n{output}");
        }

        var app = Path.Combine(folder, "Console.Web");
        return File.Exists(app) ? _app = app : throw new InvalidOperationException($"scripts/publish-console.sh put no Console.Web in {folder}");
    }
}

using Console.Cli;
using Console.Cli.Hosting;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Testing;

namespace Console.Tests.Cli;

/// <summary>What one in-process run of <c>cx</c> printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit {ExitCode}:\n{Output}";
}

/// <summary>
/// Runs the CLI in-process against a real server, with a <see cref="TestConsole"/> and its own
/// environment and working folder (never the test process's).
/// </summary>
public sealed class CliHarness : IDisposable
{
    public CliHarness(ConsoleServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        Server = server;
        WorkingDirectory = Path.Combine(Path.GetTempPath(), "console-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(WorkingDirectory);
        Environment[CliEnvironment.ApiUrlVariable] = server.BaseUrl;
    }

    public ConsoleServer Server { get; }

    public string WorkingDirectory { get; }

    public Dictionary<string, string?> Environment { get; } = [];

    public Action<IServiceCollection>? Services { get; set; }

    public static TestConsole NewConsole(bool interactive = false)
    {
        var console = new TestConsole().Width(250);
        if (interactive)
        {
            console.Interactive();
        }

        return console;
    }

    /// <summary>
    /// Peeks at what a still-running command printed so far. The console's writer is not
    /// thread-safe, so a read that races a write counts as "not yet".
    /// </summary>
    public static bool Printed(TestConsole console, string text)
    {
        ArgumentNullException.ThrowIfNull(console);
        try
        {
            return console.Output.Contains(text, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            return false;
        }
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public Task<CliResult> RunAsync(params string[] args) => RunAsync(NewConsole(), args);

    public Task<CliResult> RunAsync(TestConsole console, params string[] args) => RunAsync(console, CancellationToken.None, args);

    public async Task<CliResult> RunAsync(TestConsole console, CancellationToken cancellationToken, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(console);
        var environment = CliEnvironment.From(Environment, WorkingDirectory);
        var code = await CliApp.RunAsync(args, console, environment, Services, cancellationToken);
        return new CliResult(code, console.Output);
    }

    public string WriteFile(string relativePath, string content)
    {
        var path = Path.Combine(WorkingDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkingDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }
    }
}

using System.Runtime.InteropServices;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli;

/// <summary>The <c>cx</c> command line: global options, then Spectre.Console.Cli with the commands of <see cref="Commands"/>.</summary>
public static class CliApp
{
    /// <summary>Wide enough for any row; tables never expand, so they keep their natural width.</summary>
    private const int PipedWidth = 4096;

    /// <param name="configure">Replaces services (tests swap the image builder or the worker runner).</param>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args, IAnsiConsole console, CliEnvironment environment,
        Action<IServiceCollection>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        CliContext context;
        string[] rest;
        try
        {
            (context, rest) = GlobalOptions.Extract(args, environment);
        }
        catch (UsageException ex)
        {
            return ErrorRenderer.Render(console, ex);
        }

        var services = new ServiceCollection();
        services.AddSingleton(context);
        services.AddSingleton(console);
        services.AddSingleton<ApiClient>();
        services.AddSingleton<CliOutput>();
        configure?.Invoke(services);
        Commands.AddServices(services);

        var app = new CommandApp(new TypeRegistrar(services));
        app.Configure(config =>
        {
            config.SetApplicationName(CliContext.ExecutableName);
            config.ConfigureConsole(console);
            config.SetExceptionHandler((ex, _) => ErrorRenderer.Render(console, ex));
            config.CancellationExitCode(ExitCodes.Cancelled);
            config.UseStrictParsing();
            config.AddExample("--output", "json", "work-pool", "ls");
            config.AddExample("--api", "http://127.0.0.1:5000", "flow-run", "ls", "--state", "Running");
            Commands.Configure(config);
        });
        return await app.RunAsync(rest, cancellationToken);
    }

    /// <summary>The process entry: the real terminal, the real environment, Ctrl+C cancels.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal =>
        {
            signal.Cancel = true;
            cancel.Cancel();
        });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            cancel.Cancel();
        });
        var console = AnsiConsole.Console;
        if (global::System.Console.IsOutputRedirected)
        {
            // Piped output has no terminal width, and Spectre would wrap tables at 80 columns: a
            // pipe gets every row at its natural width (grep finds whole names), unless COLUMNS says otherwise.
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), System.Globalization.CultureInfo.InvariantCulture, out var columns) && columns > 0
                ? columns
                : PipedWidth;
        }

        return await RunAsync(args, console, CliEnvironment.FromProcess(), cancellationToken: cancel.Token);
    }
}

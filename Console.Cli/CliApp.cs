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
        // Piped output has no terminal width and Spectre then wraps tables at 80 columns; COLUMNS widens it, as in Rich and Click.
        if (global::System.Console.IsOutputRedirected
            && int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), System.Globalization.CultureInfo.InvariantCulture, out var columns) && columns > 0)
        {
            console.Profile.Width = columns;
        }

        return await RunAsync(args, console, CliEnvironment.FromProcess(), cancellationToken: cancel.Token);
    }
}

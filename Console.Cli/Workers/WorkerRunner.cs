using System.Runtime.InteropServices;
using Console.Worker;
using Console.Worker.Hosting;
using Console.Worker.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Console.Cli.Workers;

/// <summary>Runs a worker in the foreground until cancelled; replaceable so tests of the command need no real worker.</summary>
public interface IWorkerRunner
{
    /// <param name="settings">Configuration keys of the "Worker" section (<c>Worker:Pools:0</c>, ...).</param>
    /// <param name="started">Called with the worker's resolved name once the host has started.</param>
    Task RunAsync(IReadOnlyDictionary<string, string?> settings, Action<string> started, CancellationToken cancellationToken);
}

/// <summary>A generic host with the worker library (Console.Worker) and its logs written to the terminal.</summary>
public sealed class WorkerRunner(IAnsiConsole console) : IWorkerRunner
{
    public async Task RunAsync(IReadOnlyDictionary<string, string?> settings, Action<string> started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(started);
        // No defaults: an appsettings.json in the current folder (e.g. the web host's) must not
        // add pools; environment variables (Worker__StateDirectory=...) still apply.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (string.Equals(builder.Configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase))
        {
            // One JSON object per line for a log pipeline; scopes carry FlowRunId, WorkerName and WorkPool.
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddProvider(new AnsiConsoleLoggerProvider(console));
        }

        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Hangfire", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.AddConsoleWorker();
        builder.Services.AddMemoryTrimmer(builder.Configuration);
        // A drain may take its whole timeout; the host must not cut it short (a second signal does).
        builder.Services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<WorkerOptions>>((host, worker) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(worker.Value.DrainTimeoutSeconds + worker.Value.CancelGraceSeconds + 60));

        using var host = builder.Build();
        var drain = host.Services.GetRequiredService<WorkerDrain>();
        // The first SIGTERM or Ctrl+C cancels the command (the worker drains); the second stops it at once.
        var signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) >= 2)
            {
                drain.StopNow();
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        await host.StartAsync(cancellationToken);
        started(host.Services.GetRequiredService<WorkerIdentity>().Name);
        await host.WaitForShutdownAsync(cancellationToken);
    }
}

using Console.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Console.Bench;

/// <summary>
/// `worker-host`: the worker library (Console.Worker) in a process of its own, configured by
/// Worker__* environment variables, hosted the way the CLI's `worker start` hosts it. Used for
/// B2/B6/B7 when the CLI is not built with `worker start`.
/// </summary>
internal static class WorkerHost
{
    public static async Task<int> RunAsync(CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Hangfire", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // BENCH_EMPTY_HOST=1: the same host with nothing in it, B6's floor of the runtime.
        if (Environment.GetEnvironmentVariable("BENCH_EMPTY_HOST") != "1")
        {
            builder.AddConsoleWorker();
        }

        using var host = builder.Build();
        await host.RunAsync(ct);
        return 0;
    }
}

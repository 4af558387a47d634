using Console.Worker;
using Console.Worker.Hosting;
using Console.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Console.Tests.Worker;

/// <summary>A real worker (the same DI entry point the web host and the CLI call) talking to a real server over HTTP.</summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkerHost(IHost host) => _host = host;

    public WorkerProcessor Processor => _host.Services.GetRequiredService<WorkerProcessor>();

    /// <summary>The worker's /metrics and /health listener (on only with Worker:MetricsPort).</summary>
    public WorkerTelemetryServer Telemetry => _host.Services.GetRequiredService<WorkerTelemetryServer>();

    public static async Task<WorkerHost> StartAsync(string apiUrl, string pool, string name, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Worker:Enabled"] = "true",
            ["Worker:Pools:0"] = pool,
            ["Worker:Name"] = name,
            ["Worker:ApiUrl"] = apiUrl,
            ["Worker:PollWaitSeconds"] = "5",
            ["Worker:HeartbeatIntervalSeconds"] = "2",
            ["Worker:CancelCheckSeconds"] = "0.2",
            ["Worker:CancelGraceSeconds"] = "1",
            ["Worker:CreatePoolIfMissing"] = "false",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddConsoleWorker();
        var host = builder.Build();
        await host.StartAsync();
        return new WorkerHost(host);
    }

    /// <summary>Stops supervising without ending anything: containers keep running, as after a SIGKILL.</summary>
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

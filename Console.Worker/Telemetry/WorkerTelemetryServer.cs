using System.Net;
using System.Runtime.CompilerServices;
using Console.Contracts.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Console.Worker.Telemetry;

/// <summary>
/// The worker's own scrape port (<c>Worker:MetricsPort</c>, on <c>Worker:MetricsAddress</c>, loopback by
/// default): <c>/metrics</c> in Prometheus text and <c>/health</c> (200 healthy, 503 not, JSON either way).
/// A small Kestrel app of its own, so a standalone worker needs no web host and the web host's
/// embedded worker does not share the console's port.
/// </summary>
public sealed partial class WorkerTelemetryServer(
    WorkerHealth health,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    ILogger<WorkerTelemetryServer> logger) : IHostedService, IAsyncDisposable
{
    // An IHost, not a WebApplication: stopping names no ASP.NET Core type either (CA1859's speed-up is moot here).
#pragma warning disable CA1859
    private IHost? _app;
#pragma warning restore CA1859

    /// <summary>Where it listens once started (port 0 picks a free one); null when off.</summary>
    public Uri? Address { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        return !o.Enabled || o.MetricsPort is not { } port ? Task.CompletedTask : ServeAsync(o.MetricsAddress, port, cancellationToken);
    }

    /// <summary>
    /// Its own method, never inlined: the JIT loads every assembly a method names when it compiles it,
    /// so a worker without a metrics port never loads Kestrel, routing or OpenTelemetry (about 3 MB of
    /// its resident memory, docs/decisions/0003-worker-poll-loop.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task ServeAsync(string address, int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Parse(address), port));
        builder.Services.AddRoutingCore();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(WorkerMetrics.MeterName)
            // Every meter of that name in the process is heard: export this worker's only.
            .AddView(i => i.Meter.Name != WorkerMetrics.MeterName || metrics.Owns(i) ? null : MetricStreamConfiguration.Drop)
            .AddPrometheusExporter());

        var app = builder.Build();
        app.UseRouting();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/health", (HttpContext http) =>
        {
            var report = health.Check();
            http.Response.StatusCode = report.IsHealthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return http.Response.WriteAsJsonAsync(report, ConsoleJson.Options);
        });
        await app.StartAsync(cancellationToken);
        _app = app;
        Address = new Uri(app.Urls.First());
        LogListening(logger, Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is IAsyncDisposable app)
        {
            await app.DisposeAsync();
        }

        _app = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker metrics and health on {Address}metrics and {Address}health")]
    private static partial void LogListening(ILogger logger, Uri address);
}

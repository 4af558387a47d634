using System.Net;
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
    private WebApplication? _app;

    /// <summary>Where it listens once started (port 0 picks a free one); null when off.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled || o.MetricsPort is not { } port)
        {
            return;
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Parse(o.MetricsAddress), port));
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
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker metrics and health on {Address}metrics and {Address}health")]
    private static partial void LogListening(ILogger logger, Uri address);
}

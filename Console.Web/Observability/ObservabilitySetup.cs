using Console.Core.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Console.Web.Observability;

public static class ObservabilitySetup
{
    /// <summary>
    /// The Console meter exported for Prometheus. Logs need no code: set
    /// <c>Logging:Console:FormatterName=json</c> for one JSON object per line (docs/observability.md).
    /// </summary>
    public static WebApplicationBuilder AddConsoleObservability(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("console"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ConsoleMetrics.MeterName).AddPrometheusExporter();
                // A listener hears every meter of that name in the process: keep only this host's,
                // or two hosts in one process (tests, side-by-side replicas) would mix their series.
                ((IDeferredMeterProviderBuilder)metrics).Configure((sp, b) =>
                {
                    var own = sp.GetRequiredService<ConsoleMetrics>();
                    b.AddView(i => i.Meter.Name != ConsoleMetrics.MeterName || own.Owns(i) ? null : MetricStreamConfiguration.Drop);
                });
            });
        return builder;
    }

    /// <summary>Diagnoses, insights and the Prometheus scrape endpoint.</summary>
    public static IEndpointRouteBuilder MapObservabilityEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDiagnosisEndpoints();
        app.MapInsightsEndpoints();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}

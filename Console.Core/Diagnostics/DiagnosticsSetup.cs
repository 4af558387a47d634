using Console.Core.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Core.Diagnostics;

public static class DiagnosticsSetup
{
    /// <summary>The Console meter (a singleton the write paths record into), diagnoses and the insights queries.</summary>
    public static IServiceCollection AddConsoleDiagnostics(this IServiceCollection services)
    {
        services.TryAddSingleton<ConsoleMetrics>();
        services.TryAddScoped<StartEstimator>();
        services.TryAddScoped<DiagnosisService>();
        services.TryAddScoped<WaitHistory>();
        services.TryAddScoped<InsightsService>();
        return services;
    }
}

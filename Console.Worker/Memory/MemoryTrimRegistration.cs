using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Worker.Memory;

public static class MemoryTrimRegistration
{
    /// <summary>The process's <see cref="MemoryTrimmer"/> (the web host and <c>cx worker start</c> each add it once).</summary>
    public static IServiceCollection AddMemoryTrimmer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MemoryTrimOptions>()
            .Bind(configuration.GetSection(MemoryTrimOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMemoryTrim, ProcessMemoryTrim>();
        services.AddHostedService<MemoryTrimmer>();
        return services;
    }
}

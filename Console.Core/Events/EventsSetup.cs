using Console.Core.Automations;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Core.Events;

public static class EventsSetup
{
    /// <summary>Events recorded with every save, automations and their dispatcher (docs/automations.md).</summary>
    public static IServiceCollection AddConsoleEvents(this IServiceCollection services)
    {
        services.AddOptions<AutomationOptions>().BindConfiguration(AutomationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<EventRecorder>();
        services.ConfigureDbContext<ConsoleDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<EventRecorder>()));
        services.TryAddScoped<EventService>();
        services.TryAddScoped<AutomationService>();
        // Data Protection's key ring is the host's; AddConsoleSecrets registers the provider.
        services.TryAddSingleton<WebhookSecrets>();
        services.TryAddScoped<AutomationActions>();
        services.TryAddScoped<AutomationDispatcher>();
        services.TryAddScoped<TimedTriggers>();
        return services;
    }
}

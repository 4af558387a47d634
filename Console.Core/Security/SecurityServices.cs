using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Core.Security;

public static class SecurityServices
{
    /// <summary>Keys, users, the audit log, and the save interceptor that guards, checks and audits every write.</summary>
    public static IServiceCollection AddConsoleSecurityCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IActorAccessor, SystemActorAccessor>();
        services.TryAddSingleton<CredentialState>();
        services.TryAddSingleton<SecuritySaveChangesInterceptor>();
        services.TryAddScoped<ApiKeyService>();
        services.TryAddScoped<UserService>();
        services.TryAddScoped<AuditService>();
        services.TryAddScoped<BootstrapService>();
        services.ConfigureDbContext<ConsoleDbContext>((sp, options) =>
            options.AddInterceptors(sp.GetRequiredService<SecuritySaveChangesInterceptor>()));
        return services;
    }
}

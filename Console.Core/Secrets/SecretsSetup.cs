using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Core.Secrets;

public static class SecretsSetup
{
    /// <summary>Secrets and their encryption; the host decides where the key ring lives (Console.Web's DataProtectionSetup).</summary>
    public static IServiceCollection AddConsoleSecrets(this IServiceCollection services)
    {
        services.AddDataProtection();
        services.TryAddSingleton<SecretCipher>();
        services.TryAddScoped<SecretService>();
        services.TryAddScoped<SecretUsage>();
        services.TryAddScoped<RunSecrets>();
        return services;
    }
}

using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// Keys of sign-in cookies and antiforgery tokens in <see cref="SecurityOptions.KeysDirectory"/>
/// when set: in a container the default (the user's profile) dies with the container, and every
/// sign-in with it.
/// </summary>
internal static class DataProtectionSetup
{
    public static IServiceCollection AddConsoleDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("console");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<SecurityOptions>, ILoggerFactory>((keys, security, logs) =>
        {
            if (security.Value.KeysDirectory is { Length: > 0 } folder)
            {
                keys.XmlRepository = new FileSystemXmlRepository(Directory.CreateDirectory(folder), logs);
            }
        });
        return services;
    }
}

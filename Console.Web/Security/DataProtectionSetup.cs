using Console.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Console.Web.Security;

/// <summary>
/// The key ring of sign-in cookies, antiforgery tokens and stored secrets (each under its own
/// purpose). Keys live in <see cref="SecurityOptions.KeysDirectory"/> when set (several replicas
/// point it at one shared folder), else in a <c>keys</c> folder beside the SQLite database (or
/// <c>data/keys</c> on PostgreSQL): the keys must last as long as the secrets they encrypt, which
/// the default (the user's profile, gone with a container) would not.
/// </summary>
internal static class DataProtectionSetup
{
    public static IServiceCollection AddConsoleDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Console");
        services.AddDataProtection().SetApplicationName("console");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<SecurityOptions>, IOptions<DatabaseOptions>, IHostEnvironment, ILoggerFactory>(
            (keys, security, database, host, logs) =>
            {
                var folder = security.Value.KeysDirectory is { Length: > 0 } configured
                    ? configured
                    : DefaultFolder(connectionString, DatabaseOptions.IsPostgres(database.Value.Provider), host.ContentRootPath);
                keys.XmlRepository = new FileSystemXmlRepository(Directory.CreateDirectory(folder), logs);
            });
        return services;
    }

    private static string DefaultFolder(string? connectionString, bool postgres, string contentRoot)
    {
        if (!postgres)
        {
            var source = new SqliteConnectionStringBuilder(connectionString ?? DatabaseSetup.DefaultConnectionString).DataSource;
            if (!string.IsNullOrEmpty(source) && source != ":memory:" && !source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            {
                return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source)) ?? contentRoot, "keys");
            }
        }

        return Path.Combine(contentRoot, "data", "keys");
    }
}

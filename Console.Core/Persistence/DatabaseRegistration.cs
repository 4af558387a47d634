using Console.Core.Persistence.Postgres;
using Console.Core.Polling;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Core.Persistence;

public static class DatabaseRegistration
{
    /// <summary>
    /// The database of <c>Database:Provider</c> at <c>ConnectionStrings:Console</c>, and the claim
    /// that fits it. Services always ask for <see cref="ConsoleDbContext"/>; on PostgreSQL that
    /// resolves to the <see cref="PostgresConsoleDbContext"/> of the same scope.
    /// </summary>
    /// <remarks>
    /// Contexts are pooled. A new context per request built its options and EF Core's services on its
    /// first command (for a poll, the claim's BEGIN, inside the claim's lock): 6 % of the server's CPU
    /// under a flood of empty polls. A pooled context is reset when its scope ends, and its options
    /// are built once, so nothing may configure them per request (the interceptors are singletons).
    /// </remarks>
    public static IServiceCollection AddConsoleDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var connectionString = configuration.GetConnectionString("Console");
        if (!DatabaseOptions.IsPostgres(configuration[$"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}"]))
        {
            services.AddDbContextPool<ConsoleDbContext>((sp, options) =>
            {
                var db = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
                ConfigureLogging(options.UseSqlite(connectionString ?? DatabaseSetup.DefaultConnectionString)
                    .AddInterceptors(new SqlitePragmas(db.SqliteSynchronous)));
            });
            services.AddRunClaimer<SqliteRunClaimer>(_ => 1, singleWriter: true);
            services.TryAddSingleton<ClaimCombiner>();
            services.AddHostedService<SqliteCheckpointer>();
            return services;
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)} is {DatabaseOptions.Postgres} but ConnectionStrings:Console is not set " +
                "(e.g. ConnectionStrings__Console=\"Host=db;Database=console;Username=console;Password=...\").");
        }

        var tuned = PostgresConnectionDefaults.Apply(connectionString);
        services.AddDbContextPool<PostgresConsoleDbContext>((sp, options) =>
        {
            ConfigureLogging(options.UseNpgsql(tuned));
            // What others configure for ConsoleDbContext (the security interceptor, for one)
            // applies to the PostgreSQL context too: it is the same database to them.
            foreach (var configure in sp.GetServices<IDbContextOptionsConfiguration<ConsoleDbContext>>())
            {
                configure.Configure(sp, options);
            }
        });
        services.TryAddScoped<ConsoleDbContext>(sp => sp.GetRequiredService<PostgresConsoleDbContext>());
        services.AddRunClaimer<PostgresRunClaimer>(sp => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.MaxConcurrentClaims, singleWriter: false);
        return services;
    }

    /// <summary>
    /// EF logs a failed command, a failed save, a connection that could not open and a transaction
    /// that could not end as errors with their exception, then throws that exception: the caller
    /// either handles it (the worker row a first heartbeat and a first poll raced to insert, an
    /// idempotency key taken a moment before, the start-up migration probing for a PostgreSQL
    /// database it is about to create) or lets it surface, where the host logs it (a request the
    /// client abandoned mid-claim is not logged at all). At Debug, a failure is reported once, and
    /// a handled one prints no error line.
    /// </summary>
    private static void ConfigureLogging(DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (RelationalEventId.ConnectionError, LogLevel.Debug),
            (RelationalEventId.TransactionError, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug)));
}

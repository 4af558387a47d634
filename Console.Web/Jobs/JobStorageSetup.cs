using Console.Core.Persistence;
using Console.Core.Persistence.Postgres;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.Logging;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Console.Web.Jobs;

/// <summary>
/// Where Hangfire keeps the server jobs (ADR 0002, ADR 0004): in memory on SQLite's single node;
/// in the console's PostgreSQL database (schema <c>hangfire</c>) when scaled out, so that every
/// replica shares one storage and its distributed locks let one replica run each occurrence; a lock
/// left by a killed replica expires after <see cref="JobOptions.LockTimeoutSeconds"/> (ADR 0006).
/// </summary>
internal static class JobStorageSetup
{
    public const string PostgresSchema = "hangfire";

    /// <summary>
    /// This host's own storage. Left to itself AddHangfire hands every host <c>JobStorage.Current</c>,
    /// a process-wide static that the last host to configure Hangfire wins: hosts side by side in
    /// one process (the tests) would share, or lose, each other's storage.
    /// </summary>
    public static IServiceCollection AddConsoleJobStorage(this IServiceCollection services, IConfiguration configuration) =>
        services.AddSingleton(_ => Create(configuration));

    /// <summary>Points Hangfire's process-wide settings at this host's storage and logging.</summary>
    public static IGlobalConfiguration UseConsoleJobStorage(this IGlobalConfiguration config, IServiceProvider services) => config
        .UseStorage(services.GetRequiredService<JobStorage>())
        .UseLogProvider(new HostLogProvider(services.GetRequiredService<ILoggerFactory>()));

    private static JobStorage Create(IConfiguration configuration)
    {
        var provider = configuration[$"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}"];
        if (!DatabaseOptions.IsPostgres(provider))
        {
            return new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) });
        }

        // AddConsoleCore has already refused a Postgres provider without a connection string.
        // The same string as the database context's, so both draw on one connection pool.
        var connectionString = PostgresConnectionDefaults.Apply(configuration.GetConnectionString("Console")!);
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = PostgresSchema,
            PrepareSchemaIfNecessary = true,
            // Jobs recur every 5-10 s; the default 15 s queue polling would delay each occurrence.
            QueuePollInterval = TimeSpan.FromSeconds(1),
            EnableLongPolling = true,
            // A lock row outlives a killed holder until this passes: the default 10 minutes stopped
            // every server job for that long. Hangfire.PostgreSql never renews a lock, so this must
            // exceed the longest hold (milliseconds: ADR 0006).
            DistributedLockTimeout = TimeSpan.FromSeconds(
                configuration.GetValue($"{JobOptions.Section}:{nameof(JobOptions.LockTimeoutSeconds)}", JobOptions.DefaultLockTimeoutSeconds)),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }

    /// <summary>
    /// Hangfire's log provider is process-wide too: once the host that set it is disposed, its
    /// logger factory throws, and so would Hangfire in any other host of the process (a worker
    /// starting its own scheduler). A gone host's logs go nowhere instead.
    /// </summary>
    private sealed class HostLogProvider(ILoggerFactory factory) : ILogProvider
    {
        private readonly AspNetCoreLogProvider _inner = new(factory);

        public ILog GetLogger(string name)
        {
            try
            {
                return _inner.GetLogger(name);
            }
            catch (ObjectDisposedException)
            {
                return Silent.Instance;
            }
        }

        private sealed class Silent : ILog
        {
            public static readonly Silent Instance = new();

            public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
        }
    }
}

using Console.Core.Persistence;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;

namespace Console.Web.Jobs;

/// <summary>
/// Where Hangfire keeps the server jobs (ADR 0002, ADR 0004): in memory on SQLite's single node;
/// in the console's PostgreSQL database (schema <c>hangfire</c>) when scaled out, so that every
/// replica shares one storage and its distributed locks let one replica run each occurrence.
/// </summary>
internal static class JobStorageSetup
{
    public const string PostgresSchema = "hangfire";

    public static IGlobalConfiguration UseConsoleJobStorage(this IGlobalConfiguration config, IConfiguration configuration)
    {
        var provider = configuration[$"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}"];
        if (!DatabaseOptions.IsPostgres(provider))
        {
            return config.UseInMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) });
        }

        // AddConsoleCore has already refused a Postgres provider without a connection string.
        var connectionString = configuration.GetConnectionString("Console")!;
        return config.UsePostgreSqlStorage(
            options => options.UseNpgsqlConnection(connectionString),
            new PostgreSqlStorageOptions
            {
                SchemaName = PostgresSchema,
                PrepareSchemaIfNecessary = true,
                // Jobs recur every 5-10 s; the default 15 s queue polling would delay each occurrence.
                QueuePollInterval = TimeSpan.FromSeconds(1),
                EnableLongPolling = true,
            });
    }
}

using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Core.Persistence;

public static class DatabaseSetup
{
    public const string DefaultConnectionString = "Data Source=data/console.db";

    /// <summary>
    /// Applies the provider's migrations (PostgreSQL: creating the database if it is missing); on
    /// SQLite also creates the file's folder first and switches the file to WAL.
    /// </summary>
    public static async Task MigrateConsoleDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        if (db.Database.IsSqlite())
        {
            EnsureFolder(db.Database.GetConnectionString());
            await db.Database.MigrateAsync(ct);
            // WAL persists in the file: readers never block the one writer (the claim).
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
        else
        {
            await db.Database.MigrateAsync(ct);
        }
    }

    internal static void EnsureFolder(string? connectionString)
    {
        var source = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:")
        {
            return;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(source));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
    }
}

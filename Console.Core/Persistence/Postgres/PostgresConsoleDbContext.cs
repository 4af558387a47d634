using Microsoft.EntityFrameworkCore;

namespace Console.Core.Persistence.Postgres;

/// <summary>
/// The same model on PostgreSQL. A type of its own because EF Core picks migrations by context
/// type: these live in Persistence/Postgres/Migrations, SQLite's in Persistence/Migrations.
/// </summary>
public sealed class PostgresConsoleDbContext(DbContextOptions<PostgresConsoleDbContext> options) : ConsoleDbContext(options);

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Console.Core.Persistence.Postgres;

/// <summary>
/// Lets dotnet-ef build the PostgreSQL model (<c>--context PostgresConsoleDbContext</c>); adding a
/// migration never connects, so the connection string only has to parse.
/// </summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresConsoleDbContext>
{
    public PostgresConsoleDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresConsoleDbContext>().UseNpgsql("Host=localhost;Database=console_design").Options);
}

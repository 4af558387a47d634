using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Console.Core.Persistence;

/// <summary>Lets dotnet-ef build the model for migrations without starting the web host.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<ConsoleDbContext>
{
    public ConsoleDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ConsoleDbContext>().UseSqlite("Data Source=design.db").Options);
}

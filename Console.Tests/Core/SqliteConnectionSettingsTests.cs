using System.Data.Common;
using Console.Core.Persistence;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Core;

/// <summary>
/// SQLite keeps its settings per connection, not in the file; the app makes them once per native
/// connection, so a connection the pool hands out again must still have them. A setting no
/// connection has by default shows it: <c>Database:SqliteSynchronous=OFF</c>.
/// </summary>
public sealed class SqliteConnectionSettingsTests(SqliteConnectionSettingsTests.OffSyncFactory factory)
    : IClassFixture<SqliteConnectionSettingsTests.OffSyncFactory>
{
    [Fact]
    public async Task Every_connection_has_the_apps_settings_when_new_and_when_reused_from_the_pool()
    {
        _ = factory.Services; // starts the app: its start-up migrates the file
        for (var round = 0; round < 3; round++)
        {
            // Two at once are two native connections; the later rounds get them back from the pool.
            await using var first = factory.Services.CreateAsyncScope();
            await using var second = factory.Services.CreateAsyncScope();
            var a = first.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            var b = second.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await a.Database.OpenConnectionAsync();
            await b.Database.OpenConnectionAsync();
            foreach (var db in new[] { a, b })
            {
                var connection = db.Database.GetDbConnection();
                Assert.Equal(0L, await PragmaAsync(connection, "synchronous")); // OFF
            }

            await a.Database.CloseConnectionAsync();
            await b.Database.CloseConnectionAsync();
        }
    }

    public sealed class OffSyncFactory : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Database:SqliteSynchronous"] = "OFF" };
    }

    private static async Task<long> PragmaAsync(DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Console.Tests.Infrastructure;

/// <summary>
/// The real app on PostgreSQL (Database:Provider=Postgres): a fresh, uniquely named database on the
/// server of CONSOLE_TEST_POSTGRES, created by the app's own start-up migrations and dropped on
/// dispose. <see cref="CreateReplica"/> hosts a second app on the same database, as a second
/// console replica would be.
/// </summary>
public class PostgresApiFactory : ApiFactory
{
    private readonly string _server;
    private readonly bool _ownsDatabase;
    private IDictionary<string, string?> _settings = new Dictionary<string, string?>();

    public PostgresApiFactory()
        : this(fakeTime: false)
    {
    }

    protected PostgresApiFactory(bool fakeTime)
        : this($"console_test_{Guid.NewGuid():N}", ownsDatabase: true, fakeTime)
    {
    }

    private PostgresApiFactory(string database, bool ownsDatabase, bool fakeTime = false)
        : base(fakeTime)
    {
        _server = TestEnvironment.RequirePostgres();
        DatabaseName = database;
        _ownsDatabase = ownsDatabase;
    }

    public string DatabaseName { get; }

    public string ConnectionString => new NpgsqlConnectionStringBuilder(_server) { Database = DatabaseName }.ConnectionString;

    /// <summary>Another host of the app on this factory's database, with extra settings; the database outlives it.</summary>
    public PostgresApiFactory CreateReplica(IDictionary<string, string?>? settings = null) =>
        new(DatabaseName, ownsDatabase: false) { _settings = settings ?? new Dictionary<string, string?>() };

    protected override IDictionary<string, string?> Settings => _settings;

    protected override void UseDatabase(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("Database:Provider", "Postgres");
        builder.UseSetting("ConnectionStrings:Console", ConnectionString);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDatabase)
        {
            using (var pooled = new NpgsqlConnection(ConnectionString))
            {
                NpgsqlConnection.ClearPool(pooled);
            }

            using var connection = new NpgsqlConnection(_server);
            connection.Open();
            using var drop = connection.CreateCommand();
            // FORCE: a replica or Hangfire may still hold a pooled connection to it.
            drop.CommandText = $"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)";
            drop.ExecuteNonQuery();
        }
    }
}

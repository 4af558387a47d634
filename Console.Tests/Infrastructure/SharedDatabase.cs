using Npgsql;

namespace Console.Tests.Infrastructure;

/// <summary>
/// One database that several test hosts (replicas) share, as console replicas in production do:
/// a fresh PostgreSQL database of its own on the server of CONSOLE_TEST_POSTGRES
/// (Database:Provider=Postgres), created by the first replica's start-up migrations and dropped on
/// dispose. The one place that picks the replicas' database.
/// </summary>
public sealed class SharedDatabase : IDisposable
{
    private readonly string _server = TestEnvironment.RequirePostgres();
    private readonly string _name = $"console_replicas_{Guid.NewGuid():N}";

    private string ConnectionString => new NpgsqlConnectionStringBuilder(_server) { Database = _name }.ConnectionString;

    /// <summary>The settings every replica gets, so they all read and write the same data.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Database:Provider"] = "Postgres",
        ["ConnectionStrings:Console"] = ConnectionString,
    };

    public void Dispose()
    {
        using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        using var connection = new NpgsqlConnection(_server);
        connection.Open();
        using var drop = connection.CreateCommand();
        // FORCE: a replica may still hold a pooled connection to it.
        drop.CommandText = $"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)";
        drop.ExecuteNonQuery();
    }
}

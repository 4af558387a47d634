using Npgsql;

namespace Console.Bench.Infra;

/// <summary>
/// Which database the benchmark servers run on: a SQLite file in each server's folder (the
/// default), or with <c>--database postgres</c> a fresh PostgreSQL database per server on the
/// server of <c>--postgres "Host=...;Username=..."</c> (default: CONSOLE_TEST_POSTGRES, which
/// scripts/test-env.sh's start_postgres exports), dropped at the end unless --keep.
/// </summary>
internal static class BenchDatabase
{
    /// <summary>--database, or its other name --provider (as the server's Database:Provider setting).</summary>
    public static bool IsPostgres(BenchOptions options) => (options.Get("database") ?? options.Get("provider") ?? "sqlite").ToLowerInvariant() switch
    {
        "sqlite" => false,
        "postgres" or "postgresql" => true,
        var other => throw new ArgumentException($"--database (--provider) is '{other}'; it must be sqlite or postgres"),
    };

    public static string Label(BenchOptions options) => IsPostgres(options) ? "PostgreSQL" : "SQLite";

    /// <summary>The connection string of one database on the PostgreSQL server (unpooled for the harness's own checks, so nothing lingers before a drop).</summary>
    public static string Postgres(BenchOptions options, string database, bool pooling = false) =>
        new NpgsqlConnectionStringBuilder(PostgresServer(options)) { Database = database, Pooling = pooling }.ConnectionString;

    public static string NewPostgresName(string name) => $"console_bench_{name.Replace('-', '_')}_{Guid.NewGuid():N}"[..48];

    /// <summary>Creates an empty database (the server's migrations fill it), or a copy of <paramref name="template"/>.</summary>
    public static void CreatePostgres(BenchOptions options, string database, string? template = null) =>
        Admin(options, template is null ? $"CREATE DATABASE \"{database}\"" : $"CREATE DATABASE \"{database}\" TEMPLATE \"{template}\"");

    public static void DropPostgres(BenchOptions options, string database) =>
        Admin(options, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");

    private static string PostgresServer(BenchOptions options) =>
        options.Get("postgres") ?? Environment.GetEnvironmentVariable("CONSOLE_TEST_POSTGRES")
        ?? throw new ArgumentException("--database postgres needs --postgres \"Host=...;Port=...;Username=...\" (or CONSOLE_TEST_POSTGRES): a server where the benchmark may create databases");

    private static void Admin(BenchOptions options, string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer(options)) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}

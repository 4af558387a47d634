namespace Console.Tests.Infrastructure;

/// <summary>
/// One database that several test hosts (replicas) share. The one place that picks it: a SQLite
/// file today; PostgreSQL (Database:Provider=Postgres and a database of its own per fixture) can
/// take its place here without touching the tests.
/// </summary>
public sealed class SharedDatabase : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "console-tests", "shared-" + Guid.NewGuid().ToString("N"));

    public SharedDatabase()
    {
        Directory.CreateDirectory(_folder);
    }

    /// <summary>The settings every replica gets, so they all read and write the same data.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Database:Provider"] = "Sqlite",
        ["ConnectionStrings:Console"] = $"Data Source={Path.Combine(_folder, "console.db")}",
    };

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the temp folder is cleaned by the OS later.
        }
    }
}

using Console.Testing;
using Console.Tests.Faults;
using Console.Tests.Infrastructure;

namespace Console.Tests.ScaleOut;

/// <summary>
/// The first start on a PostgreSQL server: the console is given a database that does not exist
/// yet, as an operator setting up a new installation does. Its start-up migrations find it missing
/// and create it; that probe is handled, so the log an operator watches has no <c>fail:</c> line.
/// </summary>
public sealed class PostgresFirstStartTests : IDisposable
{
    private readonly SharedDatabase _database = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("console-pg-first-").FullName;

    public void Dispose()
    {
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_server_given_a_database_that_does_not_exist_creates_it_and_logs_no_fail_line()
    {
        await using var server = await FaultServer.StartAsync(_folder, _database.Settings);
        using var http = server.CreateHttpClient();
        var pool = ConsoleApi.UniqueName("first");

        await http.CreatePoolAsync(pool);
        await http.HeartbeatAsync(pool, "w1", intervalSeconds: 10);
        Assert.Single(await http.WorkersAsync(pool));

        Assert.False(server.Process.Said("fail:"), $"the server logged a failure:\n{server.Process.RecentOutput(80)}");
    }
}

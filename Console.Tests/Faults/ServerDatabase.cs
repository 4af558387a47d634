using Console.Contracts.FlowRuns;
using Microsoft.Data.Sqlite;

namespace Console.Tests.Faults;

/// <summary>
/// Reads a server's SQLite file directly, as an operator with the sqlite3 shell would: what is
/// committed, whatever the API says (used while the server is down, and to count claims).
/// </summary>
internal static class ServerDatabase
{
    public sealed record RunRow(Guid Id, FlowRunState State, string? WorkerName);

    public static async Task<RunRow> StateAsync(string database, Guid runId)
    {
        var rows = await QueryRunsAsync(database, "SELECT Id, State, WorkerName FROM FlowRuns WHERE upper(Id) = upper($value)", runId.ToString());
        return rows.Count == 1 ? rows[0] : throw new InvalidOperationException($"Run {runId} is not in {database} ({rows.Count} rows).");
    }

    /// <summary>The run's state history as the server recorded it: each state and when it was entered.</summary>
    public static async Task<IReadOnlyList<(FlowRunState State, DateTime At)>> HistoryAsync(string database, Guid runId)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT State, Timestamp FROM FlowRunStateChanges WHERE upper(FlowRunId) = upper($run) ORDER BY Id";
        command.Parameters.AddWithValue("$run", runId.ToString());
        var history = new List<(FlowRunState, DateTime)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            history.Add((Enum.Parse<FlowRunState>(reader.GetString(0)), reader.GetDateTime(1)));
        }

        return history;
    }

    /// <summary>How many times each run of the pool went to Pending (was claimed), from the state history.</summary>
    public static async Task<Dictionary<Guid, int>> ClaimCountsAsync(string database, string pool)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.FlowRunId, count(*) FROM FlowRunStateChanges c JOIN FlowRuns r ON r.Id = c.FlowRunId
            WHERE r.WorkPoolName = $pool AND c.State = 'Pending' GROUP BY c.FlowRunId
            """;
        command.Parameters.AddWithValue("$pool", pool);
        var counts = new Dictionary<Guid, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[Guid.Parse(reader.GetString(0))] = reader.GetInt32(1);
        }

        return counts;
    }

    private static async Task<IReadOnlyList<RunRow>> QueryRunsAsync(string database, string sql, string value)
    {
        await using var connection = await OpenAsync(database);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$value", value);
        var rows = new List<RunRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new RunRow(Guid.Parse(reader.GetString(0)), Enum.Parse<FlowRunState>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return rows;
    }

    private static async Task<SqliteConnection> OpenAsync(string database)
    {
        // No pooling: the file must be closed again before the server reopens it.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }
}

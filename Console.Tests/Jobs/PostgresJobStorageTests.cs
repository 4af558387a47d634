using Console.Tests.Infrastructure;
using Console.Web.Jobs;
using Npgsql;

namespace Console.Tests.Jobs;

/// <summary>
/// Server jobs on PostgreSQL: two replicas on one database share one Hangfire storage, so the
/// recurring jobs exist once and each occurrence is run by one replica, not by both.
/// </summary>
public sealed class PostgresJobStorageTests
{
    private static readonly Dictionary<string, string?> JobsOn = new() { ["Jobs:Enabled"] = "true" };

    [Fact]
    public async Task Two_replicas_share_the_recurring_jobs_and_run_each_occurrence_once()
    {
        using var first = new PostgresApiFactory();
        using var one = first.CreateReplica(JobsOn);
        _ = one.Services;
        using var two = first.CreateReplica(JobsOn);
        _ = two.Services;

        await using var connection = new NpgsqlConnection(first.ConnectionString);
        await connection.OpenAsync();
        var schema = JobStorageSetup.PostgresSchema;

        Assert.Equal(2, await WaitForAsync(connection, $"SELECT count(*) FROM {schema}.server", n => n == 2));
        Assert.Equal(ServerJobs.All.Count, await WaitForAsync(connection, $"SELECT count(*) FROM {schema}.set WHERE key = 'recurring-jobs'", n => n == ServerJobs.All.Count));

        // The foreman recurs every 5 s: wait for a few of its occurrences to have run.
        const string foremanRuns = $"""
            SELECT count(*) FROM {JobStorageSetup.PostgresSchema}.job j
            JOIN {JobStorageSetup.PostgresSchema}.jobparameter p ON p.jobid = j.id AND p.name = 'RecurringJobId' AND p.value = '"foreman"'
            WHERE j.statename = 'Succeeded'
            """;
        await WaitForAsync(connection, foremanRuns, n => n >= 3);

        // Every occurrence became one job: no (recurring job, occurrence time) pair was enqueued twice.
        var occurrences = await ScalarAsync(connection, $"""
            SELECT count(*) FROM {schema}.jobparameter r
            JOIN {schema}.jobparameter t ON t.jobid = r.jobid AND t.name = 'Time'
            WHERE r.name = 'RecurringJobId'
            """);
        Assert.True(occurrences >= 3, $"expected the recurring jobs' occurrences to be stamped with their time, found {occurrences}");
        var doubled = await ScalarAsync(connection, $"""
            SELECT count(*) FROM (
                SELECT r.value, t.value FROM {schema}.jobparameter r
                JOIN {schema}.jobparameter t ON t.jobid = r.jobid AND t.name = 'Time'
                WHERE r.name = 'RecurringJobId'
                GROUP BY r.value, t.value HAVING count(*) > 1) twice
            """);
        Assert.Equal(0, doubled);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<long> WaitForAsync(NpgsqlConnection connection, string sql, Func<long, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var value = await ScalarAsync(connection, sql);
            if (condition(value))
            {
                return value;
            }

            await Task.Delay(200, timeout.Token);
        }
    }
}

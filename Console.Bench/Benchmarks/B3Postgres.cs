using System.Globalization;
using Console.Bench.Infra;
using Npgsql;

namespace Console.Bench.Benchmarks;

/// <summary>B3's PostgreSQL side (--database postgres): seeding copies, the check after a round, and the raw single-claim loop.</summary>
internal static class B3Postgres
{
    /// <summary>Adds copies of one of the pool's REST-made runs (and its state history), in two statements.</summary>
    public static void CloneRuns(string connectionString, string pool, int copies)
    {
        if (copies <= 0)
        {
            return;
        }

        using var conn = new NpgsqlConnection(connectionString);
        conn.Open();
        var columns = new List<string>();
        using (var info = new NpgsqlCommand("SELECT column_name FROM information_schema.columns WHERE table_name = 'FlowRuns' ORDER BY ordinal_position", conn))
        using (var reader = info.ExecuteReader())
        {
            while (reader.Read())
            {
                columns.Add(reader.GetString(0));
            }
        }

        string Select(string c) => c switch
        {
            "Id" => "gen_random_uuid()",
            "Name" => "\"Name\" || '-' || g",
            "CreatedAt" or "ExpectedStartAt" or "UpdatedAt" => "now()",
            _ => $"\"{c}\"",
        };
        using var tx = conn.BeginTransaction();
        using var source = new NpgsqlCommand("SELECT \"Id\" FROM \"FlowRuns\" WHERE \"WorkPoolName\" = @pool LIMIT 1", conn, tx);
        source.Parameters.AddWithValue("pool", pool);
        var template = (Guid)source.ExecuteScalar()!;
        using var insert = new NpgsqlCommand(
            $"INSERT INTO \"FlowRuns\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) " +
            $"SELECT {string.Join(", ", columns.Select(Select))} FROM \"FlowRuns\", generate_series(1, @copies) g WHERE \"Id\" = @template; " +
            "INSERT INTO \"FlowRunStateChanges\" (\"FlowRunId\", \"Message\", \"State\", \"Timestamp\") " +
            "SELECT r.\"Id\", c.\"Message\", c.\"State\", now() FROM \"FlowRuns\" r JOIN \"FlowRunStateChanges\" c ON c.\"FlowRunId\" = @template " +
            "WHERE r.\"WorkPoolName\" = @pool AND NOT EXISTS (SELECT 1 FROM \"FlowRunStateChanges\" x WHERE x.\"FlowRunId\" = r.\"Id\");",
            conn, tx);
        insert.Parameters.AddWithValue("copies", copies);
        insert.Parameters.AddWithValue("template", template);
        insert.Parameters.AddWithValue("pool", pool);
        insert.ExecuteNonQuery();
        tx.Commit();
        Out.Step($"copied that run {copies:N0} times in SQL (ids, names and times new)");
    }

    /// <summary>Runs still Scheduled in the pool, and runs that entered Pending more than once (state history).</summary>
    public static (long ScheduledLeft, int Duplicates) Verify(string connectionString, string pool)
    {
        using var conn = new NpgsqlConnection(connectionString);
        conn.Open();
        using var left = new NpgsqlCommand("SELECT COUNT(*) FROM \"FlowRuns\" WHERE \"WorkPoolName\" = @pool AND \"State\" = 'Scheduled'", conn);
        left.Parameters.AddWithValue("pool", pool);
        using var dup = new NpgsqlCommand(
            "SELECT COUNT(*) FROM (SELECT \"FlowRunId\" FROM \"FlowRunStateChanges\" WHERE \"State\" = 'Pending' GROUP BY \"FlowRunId\" HAVING COUNT(*) > 1) d", conn);
        return ((long)left.ExecuteScalar()!, (int)(long)dup.ExecuteScalar()!);
    }

    /// <summary>The reference: one claim per transaction on one connection (select one due run FOR UPDATE SKIP LOCKED; update; commit), on a copy of the template.</summary>
    public static double RawLoop(BenchOptions options, string template, string pool, string warmPool, int expected)
    {
        var database = BenchDatabase.NewPostgresName("b3-raw");
        BenchDatabase.CreatePostgres(options, database, template);
        try
        {
            using var conn = new NpgsqlConnection(BenchDatabase.Postgres(options, database));
            conn.Open();

            int Drain(string name, int max)
            {
                using var queue = new NpgsqlCommand(
                    "SELECT q.\"Id\" FROM \"WorkQueues\" q JOIN \"WorkPools\" p ON p.\"Id\" = q.\"PoolId\" WHERE p.\"Name\" = @pool AND q.\"Name\" = 'default'", conn);
                queue.Parameters.AddWithValue("pool", name);
                var queueId = (Guid)queue.ExecuteScalar()!;
                using var select = new NpgsqlCommand(
                    "SELECT \"Id\" FROM \"FlowRuns\" WHERE \"QueueId\" = @q AND \"State\" = 'Scheduled' AND \"ExpectedStartAt\" <= @now " +
                    "ORDER BY \"ExpectedStartAt\" LIMIT 1 FOR UPDATE SKIP LOCKED", conn);
                select.Parameters.AddWithValue("q", queueId);
                var now = new NpgsqlParameter<DateTime>("now", DateTime.UtcNow);
                select.Parameters.Add(now);
                using var update = new NpgsqlCommand("UPDATE \"FlowRuns\" SET \"State\" = 'Pending', \"WorkerName\" = 'raw', \"UpdatedAt\" = @now WHERE \"Id\" = @id", conn);
                var id = new NpgsqlParameter<Guid>("id", Guid.Empty);
                update.Parameters.Add(id);
                var updNow = new NpgsqlParameter<DateTime>("now", DateTime.UtcNow);
                update.Parameters.Add(updNow);
                var count = 0;
                while (count < max)
                {
                    using var tx = conn.BeginTransaction();
                    select.Transaction = tx;
                    update.Transaction = tx;
                    var stamp = DateTime.UtcNow;
                    now.TypedValue = stamp;
                    if (select.ExecuteScalar() is not Guid runId)
                    {
                        tx.Commit();
                        break;
                    }

                    id.TypedValue = runId;
                    updNow.TypedValue = stamp;
                    update.ExecuteNonQuery();
                    tx.Commit();
                    count++;
                }

                return count;
            }

            Drain(warmPool, int.MaxValue);
            var t0 = Clock.Now;
            var claimed = Drain(pool, int.MaxValue);
            var seconds = Clock.MsSince(t0) / 1000;
            if (claimed != expected)
            {
                throw new InvalidOperationException($"The raw loop claimed {claimed} runs of {expected}");
            }

            var rate = claimed / seconds;
            Out.Step($"raw   single-claim PostgreSQL loop: {rate.ToString("F0", CultureInfo.InvariantCulture),6} claims/s ({seconds:F2} s)");
            return rate;
        }
        finally
        {
            if (!options.Keep)
            {
                BenchDatabase.DropPostgres(options, database);
            }
        }
    }
}

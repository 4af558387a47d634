using System.Collections.Concurrent;
using System.Globalization;
using Console.Bench.Infra;
using Console.Testing;
using Microsoft.Data.Sqlite;

namespace Console.Bench.Benchmarks;

/// <summary>
/// B3 claim throughput: W concurrent workers over HTTP claim N queued runs on SQLite (limit L per
/// poll, the worker's default 10), against a raw single-claim loop on a copy of the same database
/// (Microsoft.Data.Sqlite: BEGIN IMMEDIATE; select one due run; update; commit), same WAL and
/// synchronous settings, alternating in the same run. Duplicate claims are counted twice over: in
/// what the workers received and in the database's state history. With --database postgres the
/// same on PostgreSQL (B3Postgres.cs): the raw loop then claims one run per transaction with
/// FOR UPDATE SKIP LOCKED at the server's default durability.
/// </summary>
internal sealed class B3ClaimThroughput : IBenchmark
{
    private const string Pool = "b3";
    private const string WarmPool = "warm";

    public string Id => "b3";

    public string Title => "claim throughput";

    public string Goal => "ratio >= 1.0 vs raw single-claim loop, 0 duplicate claims";

    public async Task<BenchResult> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var result = new BenchResult(Id, Title, Goal);
        var runs = options.Int("claim-runs", 10_000, 500);
        var warm = options.Int("warm-runs", 6_000, 600);
        var workers = options.Int("claimers", 20, 20);
        var limit = options.Int("limit", 10, 10);
        var rounds = options.Int("rounds", 3, 1);
        var sweep = (options.Get("sweep") ?? (options.Quick ? "" : "1,5,10"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList();
        var limitSweep = (options.Get("limits") ?? (options.Quick ? "" : "1,100"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToList();

        var template = await SeedAsync(options, runs, warm, result, ct);

        var http = new List<Round>();
        var raw = new List<double>();
        var duplicates = 0;
        for (var r = 0; r < rounds; r++)
        {
            // Alternate the order so that neither side always runs on a warmer machine.
            if (r % 2 == 0)
            {
                raw.Add(RawLoop(options, template, "NORMAL", runs));
                http.Add(await HttpRoundAsync(options, template, workers, limit, runs, ct));
            }
            else
            {
                http.Add(await HttpRoundAsync(options, template, workers, limit, runs, ct));
                raw.Add(RawLoop(options, template, "NORMAL", runs));
            }

            duplicates += http[^1].Duplicates;
        }

        var postgres = BenchDatabase.IsPostgres(options);
        var rawFull = postgres ? double.NaN : RawLoop(options, template, "FULL", runs);

        var sweepRounds = new List<Round>();
        foreach (var w in sweep)
        {
            sweepRounds.Add(await HttpRoundAsync(options, template, w, limit, runs, ct));
            duplicates += sweepRounds[^1].Duplicates;
        }

        foreach (var l in limitSweep)
        {
            sweepRounds.Add(await HttpRoundAsync(options, template, workers, l, runs, ct));
            duplicates += sweepRounds[^1].Duplicates;
        }

        var httpRate = Stats.Median(http.Select(h => h.RunsPerSecond));
        var rawRate = Stats.Median(raw);
        var ratio = httpRate / rawRate;
        result.Figure = $"{httpRate:F0} runs/s ({workers} workers over HTTP, limit {limit}, {runs:N0} runs, median of {http.Count}, {BenchDatabase.Label(options)}); duplicates {duplicates}";
        result.Reference = postgres
            ? $"raw single-claim PostgreSQL loop: {rawRate:F0} claims/s (one run per transaction, FOR UPDATE SKIP LOCKED, median of {raw.Count})"
            : $"raw single-claim SQLite loop: {rawRate:F0} claims/s (synchronous=NORMAL, median of {raw.Count}); with FULL: {rawFull:F0}/s";
        result.Comparison = $"ratio {ratio:F2}";
        result.Metrics["httpRunsPerSecond"] = httpRate;
        result.Metrics["rawNormalPerSecond"] = rawRate;
        if (!postgres)
        {
            result.Metrics["rawFullPerSecond"] = rawFull;
        }

        result.Metrics["ratio"] = ratio;
        result.Metrics["duplicates"] = duplicates;
        result.Metrics["serverCpuPercent"] = Stats.Median(http.Select(h => h.ServerCpuPercent));
        result.Metrics["pollP50Ms"] = Stats.Median(http.Select(h => h.PollP50Ms));
        result.Metrics["pollP99Ms"] = Stats.Median(http.Select(h => h.PollP99Ms));
        foreach (var s in sweepRounds)
        {
            result.Metrics[$"httpRunsPerSecond_w{s.Workers}_l{s.Limit}"] = s.RunsPerSecond;
        }

        result.Raw["httpRounds"] = http.Concat(sweepRounds).ToList();
        result.Raw["rawNormalRounds"] = raw;
        result.Notes.Add("workers poll with waitSeconds 0 so the last empty poll ends the round at once (a due run is claimed without waiting either way); a claimed run is not started, as if every run ended at once");
        if (duplicates > 0)
        {
            result.Verdict = Verdict.Error;
            result.Notes.Add($"{duplicates} DUPLICATE CLAIMS");
        }
        else
        {
            result.Judge(ratio >= 1.0, options.Quick);
        }

        if (options.OutDir is { } dir)
        {
            Chart(dir, http, sweepRounds, workers, limit, rawRate, rawFull, runs);
        }

        if (postgres && !options.Keep)
        {
            BenchDatabase.DropPostgres(options, template);
        }

        return result;
    }

    public sealed record Round(int Workers, int Limit, int Claimed, int Duplicates, double Seconds, double RunsPerSecond, double ServerCpuPercent, double PollP50Ms, double PollP99Ms, int Polls, double PollsPerTransaction);

    /// <summary>A database with the warm-up pool and N due runs, made through the REST API, copied once for every round.</summary>
    private static async Task<string> SeedAsync(BenchOptions options, int runs, int warm, BenchResult result, CancellationToken ct)
    {
        await using var server = await BenchServer.StartAsync(options, "b3-seed");
        using var api = ConsoleApi.CreateHttpClient(server.Url);
        await api.CreatePoolAsync(WarmPool, "process", ct: ct);
        await api.CreatePoolAsync(Pool, "process", ct: ct);
        var warmDeployment = (await api.CreateDeploymentAsync(WarmPool, "bench", "warm", command: "true", ct: ct)).Id;
        var deployment = (await api.CreateDeploymentAsync(Pool, "bench", "b3", command: "true", ct: ct)).Id;
        // Through the API: a sample of the warm-up runs and of the measured ones (the creation rate is
        // reported); the rest are copies of those rows made in SQL, so seeding 10,000 runs does not
        // take minutes on a loaded machine. Copies differ only in id, name and times.
        var sample = Math.Min(runs, options.Int("rest-runs", 300, 60));
        var warmSample = Math.Min(warm, 400);
        var t0 = Clock.Now;
        await CreateRunsAsync(api, warmDeployment, warmSample, ct);
        await CreateRunsAsync(api, deployment, sample, ct);
        var seconds = Clock.MsSince(t0) / 1000;
        Out.Step($"created {warmSample + sample:N0} runs through POST /runs in {seconds:F1} s ({(warmSample + sample) / seconds:F0} creations/s, 4 clients)");
        result.Metrics["createRunsPerSecond"] = (warmSample + sample) / seconds;
        if (server.PostgresDatabase is { } seeded)
        {
            B3Postgres.CloneRuns(BenchDatabase.Postgres(options, seeded), WarmPool, warm - warmSample);
            B3Postgres.CloneRuns(BenchDatabase.Postgres(options, seeded), Pool, runs - sample);
            // Its copies are the rounds' databases: CREATE DATABASE ... TEMPLATE once the seed server is gone.
            server.KeepDatabase();
            return seeded;
        }

        CloneRuns(server.DatabasePath, WarmPool, warm - warmSample);
        CloneRuns(server.DatabasePath, Pool, runs - sample);
        var template = Path.Combine(options.WorkFolder, "b3-template.db");
        File.Delete(template);
        await using (var conn = new SqliteConnection($"Data Source={server.DatabasePath};Pooling=False"))
        {
            await conn.OpenAsync(ct);
            await using var vacuum = conn.CreateCommand();
            vacuum.CommandText = "VACUUM INTO $path";
            vacuum.Parameters.AddWithValue("$path", template);
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        return template;
    }

    /// <summary>Adds copies of one of the pool's REST-made runs (and its state history) until the pool holds the wanted count.</summary>
    private static void CloneRuns(string database, string pool, int copies)
    {
        if (copies <= 0)
        {
            return;
        }

        using var conn = new SqliteConnection($"Data Source={database};Pooling=False");
        conn.Open();
        Exec(conn, "PRAGMA busy_timeout=30000;");
        var columns = new List<string>();
        using (var info = conn.CreateCommand())
        {
            info.CommandText = "SELECT name FROM pragma_table_info('FlowRuns')";
            using var reader = info.ExecuteReader();
            while (reader.Read())
            {
                columns.Add(reader.GetString(0));
            }
        }

        string Select(string c) => c switch
        {
            "Id" => "$id",
            "Name" => "Name || '-' || $n",
            "CreatedAt" or "ExpectedStartAt" or "UpdatedAt" => "$now",
            _ => $"\"{c}\"",
        };
        using var tx = conn.BeginTransaction();
        using var source = conn.CreateCommand();
        source.Transaction = tx;
        source.CommandText = "SELECT Id FROM FlowRuns WHERE WorkPoolName = $pool LIMIT 1";
        source.Parameters.AddWithValue("$pool", pool);
        var template = (string)source.ExecuteScalar()!;
        using var insert = conn.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = $"INSERT INTO FlowRuns ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) SELECT {string.Join(", ", columns.Select(Select))} FROM FlowRuns WHERE Id = $template; " +
                             "INSERT INTO FlowRunStateChanges (FlowRunId, Message, State, Timestamp) SELECT $id, Message, State, $now FROM FlowRunStateChanges WHERE FlowRunId = $template;";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var n = insert.Parameters.Add("$n", SqliteType.Text);
        var now = insert.Parameters.Add("$now", SqliteType.Text);
        insert.Parameters.AddWithValue("$template", template);
        for (var i = 0; i < copies; i++)
        {
            id.Value = Guid.CreateVersion7().ToString().ToUpperInvariant();
            n.Value = i.ToString(CultureInfo.InvariantCulture);
            now.Value = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            insert.ExecuteNonQuery();
        }

        tx.Commit();
        Out.Step($"copied that run {copies:N0} times in SQL (ids, names and times new)");
    }

    private static async Task CreateRunsAsync(HttpClient api, Guid deployment, int count, CancellationToken ct)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                await api.CreateRunAsync(deployment, ct: ct);
            }
        }, ct)));
    }

    private static async Task<Round> HttpRoundAsync(BenchOptions options, string template, int workers, int limit, int expected, CancellationToken ct)
    {
        var postgres = BenchDatabase.IsPostgres(options);
        await using var server = await BenchServer.StartAsync(options, $"b3-w{workers}",
            databaseFile: postgres ? null : template, postgresTemplate: postgres ? template : null);
        using var api = ConsoleApi.CreateHttpClient(server.Url);

        // Warm-up (not timed): the same workers drain the warm-up pool as they will the measured one
        // (same limit, so the claims share transactions the same way), so the server's claim path is
        // jitted to its final tier before the clock starts. That final tier is compiled in the
        // background after the methods turned hot: without the wait for it, a profile of the timed
        // round showed the tiered-compilation thread at a sixth of the server's CPU. Until the
        // twenty-third session the warm-up took one run per poll from 400: the shared transactions'
        // path then ran its first tier in the timed round, and the tiered-compilation thread had 14 %
        // of the server's samples in a profile of it.
        await DrainAsync(api, WarmPool, workers, limit, ct);
        var quiet = await ProcStat.WaitUntilQuietAsync(server.Pid, 10, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), ct);
        Out.Step($"warm-up done; the server was quiet {quiet:F1} s later");
        var (pollsBefore, transactionsBefore) = await api.ClaimTransactionsAsync(ct);

        var claimed = new ConcurrentBag<Guid>();
        var pollMs = new ConcurrentBag<double>();
        var lastClaimAt = 0L;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, workers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var name = $"worker-{i:D2}";
            var polls = 0;
            while (polls++ < 1_000_000)
            {
                var t = Clock.Now;
                var got = await api.PollAsync(Pool, name, limit, waitSeconds: 0, ct: ct);
                var at = Clock.Now;
                pollMs.Add(Clock.Ms(t, at));
                if (got.Count == 0)
                {
                    return;
                }

                foreach (var run in got)
                {
                    claimed.Add(run.Id);
                }

                InterlockedMax(ref lastClaimAt, at);
            }
        }, ct)).ToList();

        var sampler = new ProcSampler(server.Pid, TimeSpan.FromMilliseconds(250));
        var t0 = Clock.Now;
        start.SetResult();
        await Task.WhenAll(tasks);
        await sampler.DisposeAsync();
        var seconds = Clock.Ms(t0, lastClaimAt) / 1000;
        var ids = claimed.ToList();
        var distinct = ids.Distinct().Count();
        var duplicates = ids.Count - distinct;
        var (scheduledLeft, dbDuplicates) = server.PostgresDatabase is { } database
            ? B3Postgres.Verify(BenchDatabase.Postgres(options, database), Pool)
            : Verify(server.DatabasePath);
        if (scheduledLeft != 0 || distinct != expected)
        {
            throw new InvalidOperationException($"Claimed {distinct} distinct runs of {expected}; {scheduledLeft} still Scheduled");
        }

        var polls = new Stats(pollMs);
        var (pollsAfter, transactionsAfter) = await api.ClaimTransactionsAsync(ct);
        var perTransaction = transactionsAfter > transactionsBefore ? (pollsAfter - pollsBefore) / (transactionsAfter - transactionsBefore) : double.NaN;
        var round = new Round(workers, limit, ids.Count, Math.Max(duplicates, dbDuplicates), seconds, distinct / seconds, sampler.AverageCpuPercent, polls.P50, polls.P99, polls.Count, perTransaction);
        Out.Step($"HTTP  {workers,2} workers, limit {limit,3}: {round.RunsPerSecond,6:F0} runs/s ({seconds:F2} s, {polls.Count} polls p50 {Out.Ms(polls.P50)} p99 {Out.Ms(polls.P99)}, {perTransaction:F1} polls per claim transaction, server CPU {round.ServerCpuPercent:F0} %), duplicates {round.Duplicates}");
        return round;
    }

    private static async Task DrainAsync(HttpClient api, string pool, int workers, int limit, CancellationToken ct) =>
        await Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < 100_000; n++)
            {
                if ((await api.PollAsync(pool, $"worker-{i:D2}", limit, waitSeconds: 0, ct: ct)).Count == 0)
                {
                    return;
                }
            }
        }, ct)));

    /// <summary>Runs still Scheduled in the pool, and runs that entered Pending more than once (state history).</summary>
    private static (long ScheduledLeft, int Duplicates) Verify(string database)
    {
        using var conn = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        conn.Open();
        using var left = conn.CreateCommand();
        left.CommandText = "SELECT COUNT(*) FROM FlowRuns WHERE WorkPoolName = $pool AND State = 'Scheduled'";
        left.Parameters.AddWithValue("$pool", Pool);
        using var dup = conn.CreateCommand();
        dup.CommandText = "SELECT COUNT(*) FROM (SELECT FlowRunId FROM FlowRunStateChanges WHERE State = 'Pending' GROUP BY FlowRunId HAVING COUNT(*) > 1)";
        return ((long)left.ExecuteScalar()!, (int)(long)dup.ExecuteScalar()!);
    }

    /// <summary>The reference: one claim per IMMEDIATE transaction, single connection, same file format and settings.</summary>
    private static double RawLoop(BenchOptions options, string template, string synchronous, int expected)
    {
        if (BenchDatabase.IsPostgres(options))
        {
            return B3Postgres.RawLoop(options, template, Pool, WarmPool, expected);
        }

        var path = Path.Combine(options.WorkFolder, $"b3-raw-{Guid.NewGuid():N}.db");
        File.Copy(template, path);
        using var conn = new SqliteConnection($"Data Source={path};Pooling=False");
        conn.Open();
        Exec(conn, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");

        int Drain(string pool, int max)
        {
            using var queue = conn.CreateCommand();
            queue.CommandText = "SELECT q.Id FROM WorkQueues q JOIN WorkPools p ON p.Id = q.PoolId WHERE p.Name = $pool AND q.Name = 'default'";
            queue.Parameters.AddWithValue("$pool", pool);
            var queueId = (string)queue.ExecuteScalar()!;
            using var begin = conn.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            using var select = conn.CreateCommand();
            select.CommandText = "SELECT Id FROM FlowRuns WHERE QueueId = $q AND State = 'Scheduled' AND ExpectedStartAt <= $now ORDER BY ExpectedStartAt LIMIT 1";
            var q = select.Parameters.Add("$q", SqliteType.Text);
            var now = select.Parameters.Add("$now", SqliteType.Text);
            using var update = conn.CreateCommand();
            update.CommandText = "UPDATE FlowRuns SET State = 'Pending', WorkerName = 'raw', UpdatedAt = $now WHERE Id = $id";
            var id = update.Parameters.Add("$id", SqliteType.Text);
            var updNow = update.Parameters.Add("$now", SqliteType.Text);
            using var commit = conn.CreateCommand();
            commit.CommandText = "COMMIT";
            q.Value = queueId;
            select.Prepare();
            update.Prepare();
            var count = 0;
            while (count < max)
            {
                begin.ExecuteNonQuery();
                var stamp = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
                now.Value = stamp;
                var found = select.ExecuteScalar();
                if (found is not string runId)
                {
                    commit.ExecuteNonQuery();
                    break;
                }

                id.Value = runId;
                updNow.Value = stamp;
                update.ExecuteNonQuery();
                commit.ExecuteNonQuery();
                count++;
            }

            return count;
        }

        Drain(WarmPool, int.MaxValue);
        var t0 = Clock.Now;
        var claimed = Drain(Pool, int.MaxValue);
        var seconds = Clock.MsSince(t0) / 1000;
        if (claimed != expected)
        {
            throw new InvalidOperationException($"The raw loop claimed {claimed} runs of {expected}");
        }

        var rate = claimed / seconds;
        Out.Step($"raw   single-claim loop, synchronous={synchronous}: {rate,6:F0} claims/s ({seconds:F2} s)");
        conn.Close();
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(f);
        }

        return rate;
    }

    private static void Exec(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static void Chart(string dir, List<Round> main, List<Round> sweep, int mainWorkers, int mainLimit, double raw, double rawFull, int runs)
    {
        var byWorkers = sweep.Where(s => s.Limit == mainLimit)
            .Concat([new Round(mainWorkers, mainLimit, 0, 0, 0, Stats.Median(main.Select(m => m.RunsPerSecond)), 0, 0, 0, 0, double.NaN)])
            .OrderBy(s => s.Workers).ToList();
        var chart = new SvgChart
        {
            Title = $"B3 claim throughput over HTTP vs number of workers ({runs:N0} runs, limit {mainLimit})",
            XLabel = "concurrent workers",
            YLabel = "runs claimed per second",
            XMin = 0,
            XMax = 21,
            YMin = 0,
            YMax = Math.Max(raw, byWorkers.Max(b => b.RunsPerSecond)) * 1.25,
        };
        chart.Series.Add(new ChartSeries
        {
            Name = $"HTTP, limit {mainLimit} per poll",
            Points = [.. byWorkers.Select(b => ((double)b.Workers, b.RunsPerSecond))],
            Markers = true,
        });
        foreach (var l in sweep.Where(s => s.Limit != mainLimit).GroupBy(s => s.Limit))
        {
            chart.Series.Add(new ChartSeries
            {
                Name = $"HTTP, limit {l.Key} per poll",
                Points = [.. l.OrderBy(s => s.Workers).Select(s => ((double)s.Workers, s.RunsPerSecond))],
                Markers = true,
            });
        }

        chart.HorizontalLines.Add((raw, double.IsNaN(rawFull)
            ? $"raw single-claim PostgreSQL loop: {raw:F0}/s"
            : $"raw single-claim loop, synchronous=NORMAL: {raw:F0}/s"));
        if (!double.IsNaN(rawFull))
        {
            chart.HorizontalLines.Add((rawFull, $"raw single-claim loop, synchronous=FULL: {rawFull:F0}/s"));
        }
        chart.Save(Path.Combine(dir, "b3-claim-throughput.svg"));
    }
}

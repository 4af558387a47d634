using System.Diagnostics;
using Console.Contracts.FlowRuns;
using Console.Testing;
using Console.Tests.Faults;
using Console.Tests.Infrastructure;
using Console.Web.Jobs;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Console.Tests.ScaleOut;

/// <summary>
/// Two replicas as their own processes on one PostgreSQL, server jobs on. Hangfire's lock rows are
/// left behind as by a replica SIGKILLed while holding them: the killed replica starts again and
/// listens at once, and the other one's lease reaper still requeues a silent worker's run.
/// </summary>
public sealed class ServerJobLockTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan ListenWithin = TimeSpan.FromSeconds(30);
    private readonly SharedDatabase _database = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("console-locks-").FullName;
    private ServerProcess? _a;
    private ServerProcess? _b;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(_database.Settings) { ["Jobs:Enabled"] = "true" };
        // One after the other: the first applies the migrations.
        _a = await FaultServer.StartAsync(Path.Combine(_folder, "a"), settings);
        _b = await FaultServer.StartAsync(Path.Combine(_folder, "b"), settings);
    }

    public async Task DisposeAsync()
    {
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }
    }

    /// <summary>After <see cref="DisposeAsync"/> (xunit calls both): the processes are gone.</summary>
    public void Dispose()
    {
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_replica_restarts_past_abandoned_locks_and_the_other_keeps_reaping()
    {
        using var a = _a!.CreateHttpClient();
        var registered = $"Registered the {ServerJobs.All.Count} server jobs";
        await Wait.UntilAsync(() => _b!.Process.Said(registered) || _a.Process.Said(registered),
            "the server jobs to be registered", 60);
        var pool = ConsoleApi.UniqueName("reaped");
        await a.CreatePoolAsync(pool);
        var deployment = await a.CreateDeploymentAsync(pool, "etl", ConsoleApi.UniqueName("silent"));
        var run = await a.CreateRunAsync(deployment.Id);
        Assert.Single(await a.ClaimAsync(pool, "silent"));
        // A worker that said it beats every 2 s, then falls silent: offline after 6 s.
        await a.HeartbeatAsync(pool, "silent", intervalSeconds: 2);

        await _b!.KillAsync();
        var silentSince = Stopwatch.StartNew();
        var abandoned = HoldLocksForever();

        var restart = Stopwatch.StartNew();
        try
        {
            await _b.StartAgainAsync().WaitAsync(ListenWithin);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"B did not listen within {ListenWithin.TotalSeconds:0} s of its restart.\n{_b.Process.RecentOutput(150)}", ex);
        }

        Assert.True(restart.Elapsed < ListenWithin, $"B took {restart.Elapsed.TotalSeconds:0} s to listen");

        // A's reaper still works: the run goes back to the queue within the worker's offline window,
        // a reaper interval and the lock timeout (not Hangfire's default 10 minutes).
        var bound = 6 + (int)ServerJobs.LeaseReaper.Interval.TotalSeconds + JobOptions.DefaultLockTimeoutSeconds + 15;
        // Back in the queue: Scheduled, shown Late by now (its expected start is long past).
        var requeued = await a.WaitForStateAsync(run.Id, s => s is FlowRunState.Scheduled or FlowRunState.Late, "the run to be requeued", bound);
        Assert.Null(requeued.WorkerName);
        Assert.True(silentSince.Elapsed.TotalSeconds < bound, $"requeued after {silentSince.Elapsed.TotalSeconds:0} s");

        // By now the abandoned locks have timed out (the reaper needed them): B, which used to exit
        // about 21 s after starting behind them, is still up and serving.
        Assert.False(_b.Process.HasExited, $"B exited behind the abandoned locks:\n{_b.Process.RecentOutput()}");
        using var b = _b.CreateHttpClient();
        Assert.Null((await b.GetRunAsync(run.Id)).WorkerName);
        GC.KeepAlive(abandoned);
    }

    /// <summary>
    /// Takes the locks the server jobs use, as a replica does, and never lets them go: their rows
    /// stay as a SIGKILLed holder leaves them (Hangfire.PostgreSql does not renew or watch holders).
    /// </summary>
    private List<IDisposable> HoldLocksForever()
    {
        var options = new PostgreSqlStorageOptions { SchemaName = JobStorageSetup.PostgresSchema, PrepareSchemaIfNecessary = false };
        var connectionString = _database.Settings["ConnectionStrings:Console"]!;
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        var connection = storage.GetConnection();
        var held = new List<IDisposable> { connection };
        // The live replica takes the recurring-jobs lock for every pass of its scheduler (the
        // automations' dispatcher recurs every second), so getting it in between may take a while:
        // it goes first. Taken last, the job locks taken before it could pass the lock timeout
        // (30 s) while it waited on a busy machine, and the live replica then rightly deleted them.
        var clock = Stopwatch.StartNew();
        foreach (var resource in ServerJobs.All.Select(j => $"lock:recurring-job:{j.Id}").Prepend("recurring-jobs:lock"))
        {
            held.Add(connection.AcquireDistributedLock(resource, TimeSpan.FromSeconds(90)));
        }

        using var db = new NpgsqlConnection(connectionString);
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = $"SELECT count(*) FROM {JobStorageSetup.PostgresSchema}.lock";
        Assert.True((long)count.ExecuteScalar()! >= ServerJobs.All.Count + 1, $"the abandoned lock rows are not in the table (taken in {clock.Elapsed.TotalSeconds:0.0} s)");
        return held;
    }
}

using System.Globalization;
using System.Text;
using Console.Contracts.FlowRuns;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.WorkQueues;

namespace Console.Core.Polling;

/// <summary>A due run the claim may take: what ordering and the limits need, nothing more.</summary>
public sealed record ClaimCandidate(Guid Id, Guid QueueId, Guid? DeploymentId, FlowRunState State, DateTime DueAt) : IClaimCandidate;

/// <summary>
/// The claim's one read: the pool's deployment limits and late policies, its slot holders by queue and deployment
/// (<see cref="FlowRunSlots"/>), when the next run of the eligible queues falls due, and the due
/// runs of each eligible queue in due order (<see cref="ClaimPolicy.DueBy"/>), as one command. On
/// PostgreSQL a command of several statements is one round trip, and each statement reads what was
/// committed when it starts (READ COMMITTED), so a pool lock first in the command orders the counts.
/// </summary>
internal sealed class ClaimRead
{
    public Dictionary<Guid, int> DeploymentLimits { get; } = [];

    /// <summary>The late policies' <c>skipAfterSeconds</c> by deployment: a run later than that is the late-policy job's to skip, never claimed.</summary>
    public Dictionary<Guid, int> SkipAfterSeconds { get; } = [];

    /// <summary>
    /// The pool's deployments with pull steps or a <c>timeoutSeconds</c> (most have neither): what a
    /// claimed run's answer adds to the run, read here so that the answer of runs that need neither
    /// makes no query of its own.
    /// </summary>
    public Dictionary<Guid, DeploymentFacts> Deployments { get; } = [];

    public List<(Guid QueueId, Guid? DeploymentId, int Count)> Holders { get; } = [];
    public List<ClaimCandidate> Candidates { get; } = [];
    public DateTime? NextDueAt { get; private set; }

    /// <summary>
    /// The polling worker's runs that hold a slot (its view's running count) before this claim: read
    /// here, in the claim's own command, instead of by a query of its own after the commit.
    /// </summary>
    public int WorkerActive { get; private set; }

    /// <summary>The SQL of <see cref="FlowRunStates.Active"/>: states are stored by name.</summary>
    private static readonly string ActiveStates = string.Join(", ", FlowRunStates.Active.Select(s => $"'{s}'"));

    /// <param name="dialect">How the provider locks and combines the statements.</param>
    /// <param name="take">How many due runs of each queue (and of each kind: first attempts, retries) to read.</param>
    /// <param name="counted">
    /// The queues whose slot holders a decision needs (<see cref="ClaimPolicy.QueuesToCount"/>), or null for all of
    /// the pool's: the holders of limited deployments and runs holding infrastructure are always counted.
    /// </param>
    public static async Task<ClaimRead> ExecuteAsync(
        TransactionCommands commands, IClaimDialect dialect, Guid poolId, string workerName, IReadOnlyList<WorkQueue> eligible, Func<WorkQueue, int> take,
        IReadOnlyList<WorkQueue>? counted, DateTime now, DateTime heldAfter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var sql = new StringBuilder();
        var parameters = new List<KeyValuePair<string, object>>();
        Add(parameters, dialect, "pool", poolId);
        Add(parameters, dialect, "worker", workerName);
        Add(parameters, dialect, "now", now);
        Add(parameters, dialect, "heldAfter", heldAfter);
        var lockSql = dialect.LockLimitedPoolSql;
        if (lockSql is not null)
        {
            sql.Append(lockSql).Append(";\n");
        }

        sql.Append("""
            SELECT "Id", "ConcurrencyLimit", "LateSkipAfterSeconds", "PullSteps" <> '[]', "TimeoutSeconds" FROM "Deployments"
            WHERE "PoolId" = @pool AND ("ConcurrencyLimit" IS NOT NULL OR "LateSkipAfterSeconds" IS NOT NULL OR "PullSteps" <> '[]' OR "TimeoutSeconds" IS NOT NULL);
            """).Append('\n');
        sql.Append(HoldersSql(parameters, dialect, counted)).Append('\n');
        sql.Append($"""SELECT COUNT(*) FROM "FlowRuns" WHERE "WorkerName" = @worker AND "State" IN ({ActiveStates}) AND "PoolId" = @pool;""").Append('\n');
        var queueIn = new List<string>();
        var selects = new List<string>();
        for (var i = 0; i < eligible.Count; i++)
        {
            Add(parameters, dialect, $"q{i}", eligible[i].Id);
            Add(parameters, dialect, $"n{i}", take(eligible[i]));
            queueIn.Add($"@q{i}");
            selects.Add($"""
                SELECT "Id", "QueueId", "DeploymentId", "State", "ExpectedStartAt" FROM "FlowRuns"
                WHERE "QueueId" = @q{i} AND "State" = '{FlowRunState.Scheduled}' AND "ExpectedStartAt" <= @now
                ORDER BY "ExpectedStartAt" LIMIT @n{i}{dialect.CandidateLock}
                """);
            selects.Add($"""
                SELECT "Id", "QueueId", "DeploymentId", "State", "NextAttemptAt" FROM "FlowRuns"
                WHERE "QueueId" = @q{i} AND "State" = '{FlowRunState.AwaitingRetry}' AND "NextAttemptAt" <= @now
                  AND ("InfrastructureHeldSince" IS NULL OR "InfrastructureHeldSince" <= @heldAfter)
                ORDER BY "NextAttemptAt" LIMIT @n{i}{dialect.CandidateLock}
                """);
        }

        var queues = string.Join(", ", queueIn);
        sql.Append($"""
            SELECT MIN(d) FROM (
              SELECT MIN("ExpectedStartAt") AS d FROM "FlowRuns" WHERE "QueueId" IN ({queues}) AND "State" = '{FlowRunState.Scheduled}' AND "ExpectedStartAt" > @now
              UNION ALL
              SELECT MIN("NextAttemptAt") AS d FROM "FlowRuns" WHERE "QueueId" IN ({queues}) AND "State" = '{FlowRunState.AwaitingRetry}' AND "NextAttemptAt" > @now) n;
            """).Append('\n');
        sql.Append(dialect.Combine(selects)).Append(';');
        var read = new ClaimRead();
        await using var reader = await commands.For(sql.ToString(), parameters).ExecuteReaderAsync(ct);
        if (lockSql is not null)
        {
            await reader.NextResultAsync(ct);
        }

        while (await reader.ReadAsync(ct))
        {
            if (!reader.IsDBNull(1))
            {
                read.DeploymentLimits[reader.GetGuid(0)] = reader.GetInt32(1);
            }

            if (!reader.IsDBNull(2))
            {
                read.SkipAfterSeconds[reader.GetGuid(0)] = reader.GetInt32(2);
            }

            var hasPullSteps = reader.GetBoolean(3);
            if (hasPullSteps || !reader.IsDBNull(4))
            {
                read.Deployments[reader.GetGuid(0)] = new DeploymentFacts(hasPullSteps, reader.IsDBNull(4) ? null : reader.GetInt32(4));
            }
        }

        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            read.Holders.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), (int)reader.GetInt64(2)));
        }

        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            read.WorkerActive = (int)reader.GetInt64(0);
        }

        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct) && !reader.IsDBNull(0))
        {
            read.NextDueAt = Utc(reader.GetDateTime(0));
        }

        // The candidates: one result set, or one per statement (PostgreSQL locks per statement).
        while (await reader.NextResultAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                read.Candidates.Add(new ClaimCandidate(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.IsDBNull(2) ? null : reader.GetGuid(2),
                    Enum.Parse<FlowRunState>(reader.GetString(3)),
                    Utc(reader.GetDateTime(4))));
            }
        }

        return read;
    }

    /// <summary>
    /// The slot holders (<see cref="FlowRunSlots.OfPool"/>) by queue and deployment. All of them only
    /// when the pool has a limit; else those of the queues that need a count and of the limited
    /// deployments, each an index seek, so a pool with thousands of runs in flight and no limit does
    /// not read them all on every poll. A held run is never active.
    /// </summary>
    private static string HoldersSql(List<KeyValuePair<string, object>> parameters, IClaimDialect dialect, IReadOnlyList<WorkQueue>? counted)
    {
        if (counted is null)
        {
            return $"""
                SELECT "QueueId", "DeploymentId", COUNT(*) FROM (
                  SELECT "QueueId", "DeploymentId" FROM "FlowRuns" WHERE "PoolId" = @pool AND "State" IN ({ActiveStates})
                  UNION ALL
                  SELECT "QueueId", "DeploymentId" FROM "FlowRuns" WHERE "PoolId" = @pool AND "InfrastructureHeldSince" > @heldAfter) h
                GROUP BY "QueueId", "DeploymentId";
                """;
        }

        var sets = new List<string>();
        if (counted.Count > 0)
        {
            for (var i = 0; i < counted.Count; i++)
            {
                Add(parameters, dialect, $"c{i}", counted[i].Id);
            }

            sets.Add($"""SELECT "Id" FROM "FlowRuns" WHERE "QueueId" IN ({List("c", counted.Count)}) AND "State" IN ({ActiveStates})""");
        }

        // A deployment's runs are all in its pool (its pool never changes). A condition on the pool
        // here would lead SQLite to the pool's index, and so to every run in flight.
        sets.Add($"""
            SELECT "Id" FROM "FlowRuns" WHERE "DeploymentId" IN (SELECT "Id" FROM "Deployments" WHERE "PoolId" = @pool AND "ConcurrencyLimit" IS NOT NULL)
              AND "State" IN ({ActiveStates})
            """);
        sets.Add("""SELECT "Id" FROM "FlowRuns" WHERE "PoolId" = @pool AND "InfrastructureHeldSince" > @heldAfter""");
        return $"""
            SELECT "QueueId", "DeploymentId", COUNT(*) FROM "FlowRuns" WHERE "Id" IN (
            {string.Join("\nUNION\n", sets)})
            GROUP BY "QueueId", "DeploymentId";
            """;
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static void Add(List<KeyValuePair<string, object>> parameters, IClaimDialect dialect, string name, object value) =>
        parameters.Add(new("@" + name, dialect.Value(value)));

    /// <summary>The parameter list of <paramref name="count"/> values named <paramref name="prefix"/>0.. as SQL.</summary>
    public static string List(string prefix, int count) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"@{prefix}{i}")));
}

/// <summary>What differs between the providers in the claim's SQL.</summary>
public interface IClaimDialect
{
    /// <summary>A statement that locks the pool's row when a limit applies (run first), or null when the transaction already excludes other claims.</summary>
    string? LockLimitedPoolSql { get; }

    /// <summary>Appended to each candidate select: reserve the rows read.</summary>
    string CandidateLock { get; }

    /// <summary>The candidate selects as SQL: one statement or several.</summary>
    string Combine(IReadOnlyList<string> selects);

    /// <summary>A parameter's value as the provider stores it (SQLite keeps ids as upper-case text).</summary>
    object Value(object value);
}

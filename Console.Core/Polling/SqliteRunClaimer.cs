using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Events;
using Console.Core.FlowRuns;
using Console.Core.Metrics;
using Console.Core.Persistence;
using Console.Core.Workers;

namespace Console.Core.Polling;

/// <summary>
/// The claim on a single-writer database (SQLite 3.35+, for RETURNING). The transaction is IMMEDIATE
/// (Microsoft.Data.Sqlite starts non-deferred transactions), so counting the slots in use and taking
/// them cannot interleave with another claim. The polls that wait meanwhile share the next
/// transaction (<see cref="ClaimCombiner"/>), and the process-wide gate keeps the claim and the
/// heartbeat flush from spinning on the lock.
/// </summary>
public sealed class SqliteRunClaimer(
    ConsoleDbContext db, StatusRules rules, WorkerService workers, ClaimGate gate, ClaimCombiner combiner, ConsoleMetrics metrics, EventRecorder events)
    : RunClaimerBase(db, rules, workers, metrics, events)
{
    // The immediate transaction already holds the database's only write lock.
    public override string? LockLimitedPoolSql => null;

    public override string CandidateLock => "";

    // One statement: each queue's due runs by index seek (its own ORDER BY and LIMIT), in one result.
    public override string Combine(IReadOnlyList<string> selects) =>
        string.Join("\nUNION ALL\n", selects.Select(s => $"SELECT * FROM ({s})"));

    public override object Value(object value) => RawValues.Sqlite(value);

    public override Task<ClaimOutcome> ClaimAsync(ClaimRequest request, CancellationToken ct) =>
        combiner.ClaimAsync(request, ClaimLeadingAsync, ct);

    // Not the polls' tokens: once a poll leads, it claims for the ones queued behind it.
    private Task ClaimLeadingAsync(IReadOnlyList<ClaimTurn> turns) =>
        gate.RunAsync(() => ClaimTogetherAsync(turns), CancellationToken.None);

    /// <summary>
    /// The state history and the UPDATE in one command: SQLite allows no INSERT in a CTE, so the
    /// history goes first, of the runs the UPDATE then takes (the same condition, read under the write
    /// lock this transaction holds, so the same runs).
    /// </summary>
    protected override Task<List<FlowRun>> TakeAsync(IReadOnlyList<Guid> ids, string workerName, DateTime now, TransactionCommands commands, CancellationToken ct)
    {
        // Only fixed SQL and placeholders: every value is a parameter.
        var history = HistorySql($$"""(SELECT "Id", '{{FlowRunState.Pending}}' AS "State", @p1 AS "ClaimedAt", "Attempt" FROM "FlowRuns" WHERE {{Claimable(ids.Count)}})""");
        return ReadRunsAsync(commands, history + ";\n" + ClaimUpdateSql(ids.Count), [workerName, now, .. ids.Cast<object>()], ct);
    }
}

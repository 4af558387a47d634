using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Events;
using Console.Core.FlowRuns;
using Console.Core.Metrics;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Core.WorkPools;

namespace Console.Core.Polling;

/// <summary>
/// The claim on PostgreSQL, where many claimers write at once, also from other console replicas
/// (other processes: the in-process <see cref="ClaimGate"/> means nothing there, so none is used).
/// Due runs are read <c>FOR UPDATE SKIP LOCKED</c>: a run another claim has just taken is locked
/// (skipped) or, once committed, no longer Scheduled (PostgreSQL re-checks the row), so no run is
/// ever claimed twice and claimers never wait on each other's candidates.
/// </summary>
public sealed class PostgresRunClaimer(ConsoleDbContext db, StatusRules rules, WorkerService workers, ConsoleMetrics metrics, EventRecorder events)
    : RunClaimerBase(db, rules, workers, metrics, events)
{
    private const int Attempts = 5;

    /// <remarks>The poll took its turn at the <see cref="ClaimGate"/> before this claimer's scope (<see cref="ClaimGate.RunClaimAsync{T}"/>).</remarks>
    public override async Task<ClaimOutcome> ClaimAsync(ClaimRequest request, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.ClaimAsync(request, ct);
            }
            catch (Exception ex) when (attempt < Attempts && IsRetryable(ex))
            {
                // The transaction rolled back whole: start again from a clean slate.
                Db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>
    /// SKIP LOCKED keeps two claimers off the same run but not off the same free slot: both could
    /// count 5 of 6 in use and take one each. So when a limit applies (the pool's, a queue's or a
    /// deployment's), the pool's row is locked first in the claim's read, which orders the claims of
    /// this pool across every replica (the next one waits here, then counts what the previous one
    /// committed: READ COMMITTED reads anew per statement). FOR NO KEY UPDATE, not FOR UPDATE, so
    /// inserts that reference the pool (new runs, heartbeats of new workers) never wait for a claim.
    /// Pools without limits lock nothing (the row does not match) and claim in parallel.
    /// </summary>
    public override string? LockLimitedPoolSql => """
        SELECT 1 FROM "WorkPools" p WHERE p."Id" = @pool AND (p."ConcurrencyLimit" IS NOT NULL
          OR EXISTS (SELECT 1 FROM "WorkQueues" q WHERE q."PoolId" = @pool AND q."ConcurrencyLimit" IS NOT NULL)
          OR EXISTS (SELECT 1 FROM "Deployments" d WHERE d."PoolId" = @pool AND d."ConcurrencyLimit" IS NOT NULL))
        FOR NO KEY UPDATE
        """;

    public override string CandidateLock => " FOR UPDATE SKIP LOCKED";

    // FOR UPDATE is not allowed under UNION: one statement per select, one round trip still.
    public override string Combine(IReadOnlyList<string> selects) => string.Join(";\n", selects);

    public override object Value(object value) => RawValues.Postgres(value);

    /// <summary>The UPDATE and the state history's INSERT in one statement (a data-modifying CTE).</summary>
    protected override Task<List<FlowRun>> TakeAsync(IReadOnlyList<Guid> ids, string workerName, DateTime now, TransactionCommands commands, CancellationToken ct)
    {
        // Only fixed SQL and placeholders: every value is a parameter.
        var sql = "WITH claimed AS (" + ClaimUpdateSql(ids.Count) + "), history AS (" + HistorySql("claimed") + ") SELECT * FROM claimed";
        return ReadRunsAsync(commands, sql, [workerName, now, .. ids.Cast<object>()], ct);
    }

    // Deadlocks (the worker's row updated by a heartbeat at the same time) and the first poll of one
    // worker name from two places at once (both insert it) roll the claim back; a new attempt succeeds.
    private static bool IsRetryable(Exception ex) => UniqueViolation.IsCrossedWrite(ex) || UniqueViolation.InChain(ex);
}

using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Metrics;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Console.Core.Polling;

/// <summary>
/// The claim on PostgreSQL, where many claimers write at once, also from other console replicas
/// (other processes: the in-process <see cref="ClaimGate"/> means nothing there, so none is used).
/// Due runs are read <c>FOR UPDATE SKIP LOCKED</c>: a run another claim has just taken is locked
/// (skipped) or, once committed, no longer Scheduled (PostgreSQL re-checks the row), so no run is
/// ever claimed twice and claimers never wait on each other's candidates.
/// </summary>
public sealed class PostgresRunClaimer(ConsoleDbContext db, StatusRules rules, WorkerService workers, ClaimGate gate, ConsoleMetrics metrics)
    : RunClaimerBase(db, rules, workers, metrics)
{
    private const int Attempts = 5;

    public override async Task<ClaimOutcome> ClaimAsync(ClaimRequest request, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
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
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// SKIP LOCKED keeps two claimers off the same run but not off the same free slot: both could
    /// count 5 of 6 in use and take one each. So when a limit applies, the pool's row is locked
    /// before counting, which orders the claims of this pool across every replica (the next one
    /// waits here, then counts what the previous one committed: READ COMMITTED reads anew per
    /// statement). FOR NO KEY UPDATE, not FOR UPDATE, so inserts that reference the pool (new runs,
    /// heartbeats of new workers) never wait for a claim. Pools without limits skip the lock and
    /// claim in parallel.
    /// </summary>
    protected override Task LockLimitedPoolAsync(WorkPool pool, CancellationToken ct) =>
        Db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "WorkPools" WHERE "Id" = {pool.Id} FOR NO KEY UPDATE""", ct);

    protected override Task<List<FlowRun>> DueRunsAsync(Guid queueId, DateTime now, int take, CancellationToken ct) =>
        Db.FlowRuns.FromSql($"""
            SELECT * FROM "FlowRuns"
            WHERE "QueueId" = {queueId} AND "State" = {nameof(FlowRunState.Scheduled)} AND "ExpectedStartAt" <= {now}
            ORDER BY "ExpectedStartAt"
            LIMIT {take}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct);

    protected override Task<List<FlowRun>> DueRetriesAsync(Guid queueId, DateTime now, DateTime heldAfter, int take, CancellationToken ct)
    {
        // A raw parameter skips the model's UTC converter; timestamptz takes only UTC times.
        heldAfter = DateTime.SpecifyKind(heldAfter, DateTimeKind.Utc);
        return Db.FlowRuns.FromSql($"""
            SELECT * FROM "FlowRuns"
            WHERE "QueueId" = {queueId} AND "State" = {nameof(FlowRunState.AwaitingRetry)} AND "NextAttemptAt" <= {now}
              AND ("InfrastructureHeldSince" IS NULL OR "InfrastructureHeldSince" <= {heldAfter})
            ORDER BY "NextAttemptAt"
            LIMIT {take}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct);
    }

    // Deadlocks (the worker's row updated by a heartbeat at the same time) and the first poll of one
    // worker name from two places at once (both insert it) roll the claim back; a new attempt succeeds.
    private static bool IsRetryable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is PostgresException pg)
            {
                return pg.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                    or PostgresErrorCodes.UniqueViolation;
            }
        }

        return false;
    }
}

using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.FlowRuns;
using Console.Core.Metrics;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Polling;

/// <summary>
/// The claim on a single-writer database (SQLite). The transaction is IMMEDIATE (Microsoft.Data.Sqlite
/// starts non-deferred transactions), so counting the slots in use and taking them cannot interleave
/// with another claim; a process-wide gate keeps this process's pollers from spinning on the lock.
/// </summary>
public sealed class SqliteRunClaimer(ConsoleDbContext db, StatusRules rules, WorkerService workers, ClaimGate gate, ConsoleMetrics metrics)
    : RunClaimerBase(db, rules, workers, metrics)
{
    public override async Task<ClaimOutcome> ClaimAsync(ClaimRequest request, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            return await base.ClaimAsync(request, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    // The immediate transaction already holds the database's only write lock.
    protected override Task LockLimitedPoolAsync(WorkPool pool, CancellationToken ct) => Task.CompletedTask;

    protected override Task<List<FlowRun>> DueRunsAsync(Guid queueId, DateTime now, int take, CancellationToken ct) =>
        Db.FlowRuns
            .Where(r => r.QueueId == queueId && r.State == FlowRunState.Scheduled && r.ExpectedStartAt <= now)
            .OrderBy(r => r.ExpectedStartAt)
            .Take(take)
            .ToListAsync(ct);

    protected override Task<List<FlowRun>> DueRetriesAsync(Guid queueId, DateTime now, DateTime heldAfter, int take, CancellationToken ct) =>
        Db.FlowRuns
            .Where(r => r.QueueId == queueId && r.State == FlowRunState.AwaitingRetry && r.NextAttemptAt <= now
                && (r.InfrastructureHeldSince == null || r.InfrastructureHeldSince <= heldAfter))
            .OrderBy(r => r.NextAttemptAt)
            .Take(take)
            .ToListAsync(ct);
}

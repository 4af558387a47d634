using System.Globalization;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Events;
using Console.Core.FlowRuns;
using Console.Core.Metrics;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Console.Core.Polling;

/// <summary>
/// The claim's rules, shared by every provider: stamp the poll (<see cref="PollStamps"/>), read the
/// slots in use and the due runs in one command (<see cref="ClaimRead"/>), order them
/// (<see cref="ClaimPolicy.InFairOrder{T}"/>), honour the pool, queue and deployment limits
/// (<see cref="SlotCount"/>), take exactly the runs chosen with one <c>UPDATE ... RETURNING</c> and
/// their state history with one <c>INSERT ... SELECT</c>, and tell when the next run falls due. No
/// run is tracked by the change tracker: the UPDATE bumps <see cref="FlowRun.Version"/> itself and
/// the claim records the runs' events (<see cref="EventRecorder.Record"/>). A provider says how the
/// transaction keeps concurrent claimers apart (<see cref="IClaimDialect"/>).
/// </summary>
public abstract class RunClaimerBase(ConsoleDbContext db, StatusRules rules, WorkerService workers, ConsoleMetrics metrics, EventRecorder events)
    : IRunClaimer, IClaimDialect
{
    /// <summary>
    /// The pool and its queues, and the polling worker's row (null before its first heartbeat or
    /// poll), in one round trip; tracked: the poll stamps them.
    /// </summary>
    private static readonly CompiledPerModel<Func<ConsoleDbContext, string, string, CancellationToken, Task<PoolAndWorker?>>> PoolWithQueues =
        new(() => EF.CompileAsyncQuery((ConsoleDbContext c, string n, string worker, CancellationToken t) =>
            // A join on the worker's key (pool, name), not a subquery in the projection: EF numbers the
            // rows of such a subquery over every worker of that name, a scan of the table.
            (from p in c.WorkPools.Include(p => p.Queues)
             where p.Name == n
             join w in c.Workers on new { PoolId = p.Id, Name = worker } equals new { w.PoolId, w.Name } into found
             from w in found.DefaultIfEmpty()
             select new PoolAndWorker(p, w)).FirstOrDefault()));

    private sealed record PoolAndWorker(WorkPool Pool, PoolWorker? Worker);

    /// <summary>A pool's workers of the given names, tracked.</summary>
    private static readonly CompiledPerModel<Func<ConsoleDbContext, Guid, string[], IAsyncEnumerable<PoolWorker>>> WorkersNamed =
        new(() => EF.CompileAsyncQuery((ConsoleDbContext c, Guid pool, string[] names) => c.Workers.Where(w => w.PoolId == pool && names.Contains(w.Name))));

    protected ConsoleDbContext Db => db;

    public abstract string? LockLimitedPoolSql { get; }

    public abstract string CandidateLock { get; }

    public abstract string Combine(IReadOnlyList<string> selects);

    public abstract object Value(object value);

    public virtual async Task<ClaimOutcome> ClaimAsync(ClaimRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outcome = await ClaimAloneAsync(request, ct);
        Claimed(outcome);
        return outcome;
    }

    /// <summary>
    /// Claims for several polls in one transaction (<see cref="ClaimCombiner"/>), one after another as
    /// if each had its own: each poll's read sees the runs the ones before it took. A poll naming a pool
    /// or queue that does not exist gets its error and the others go on (that lookup writes nothing);
    /// any other failure undoes the transaction and each poll is claimed for again alone, so the error
    /// stays the poll's own. Ends every poll given. For a single-writer database: the transaction
    /// holds the write lock from its start, so what it read stays true until it commits.
    /// </summary>
    protected async Task ClaimTogetherAsync(IReadOnlyList<ClaimTurn> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var live = new List<ClaimTurn>(turns.Count);
        foreach (var turn in turns)
        {
            if (turn.Cancellation.IsCancellationRequested)
            {
                turn.Fail(new OperationCanceledException(turn.Cancellation));
            }
            else
            {
                live.Add(turn);
            }
        }

        // The outcomes belong to their polls, which read them on other threads, and this context (the
        // leading poll's) may claim again: after each transaction its change tracker lets them go, so
        // it never hands out or changes the same instances twice.
        var done = new List<(ClaimTurn Turn, ClaimOutcome Outcome)>(live.Count);
        var shared = false;
        if (live.Count > 1)
        {
            try
            {
                await ClaimInOneTransactionAsync(live, done);
                shared = true;
            }
#pragma warning disable CA1031 // Not swallowed: each poll is claimed for again alone below, and gets its own error.
            catch (Exception)
#pragma warning restore CA1031
            {
                done.Clear();
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        if (!shared)
        {
            await ClaimEachAloneAsync(live, done);
        }

        foreach (var (turn, outcome) in done)
        {
            Claimed(outcome);
            turn.Complete(outcome);
        }
    }

    private async Task<ClaimOutcome> ClaimAloneAsync(ClaimRequest request, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await using var commands = CommandsOf(tx);
        var outcome = await ClaimInTransactionAsync(request, await ResolveAsync(request, null, ct), commands, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        metrics.RecordClaimTransaction(1);
        return outcome;
    }

    /// <remarks>
    /// The polls' own tokens are not the transaction's: one client giving up must not undo the
    /// others' claims (a poll cancelled before its turn was left out).
    /// </remarks>
    private async Task ClaimInOneTransactionAsync(List<ClaimTurn> live, List<(ClaimTurn Turn, ClaimOutcome Outcome)> done)
    {
        await using var tx = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await using var commands = CommandsOf(tx);
        // A pool read once serves every poll of it: nothing but this transaction writes until it commits.
        var shared = new SharedReads(live);
        foreach (var turn in live)
        {
            Resolved resolved;
            try
            {
                resolved = await ResolveAsync(turn.Request, shared, CancellationToken.None);
            }
            catch (NotFoundException ex)
            {
                turn.Fail(ex);
                continue;
            }

            done.Add((turn, await ClaimInTransactionAsync(turn.Request, resolved, commands, CancellationToken.None)));
        }

        await db.SaveChangesAsync(CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        metrics.RecordClaimTransaction(done.Count);
    }

    /// <summary>
    /// The commands of the claim's transaction, kept prepared until it ends (<see cref="TransactionCommands"/>).
    /// The transaction opened the connection and closes it at its end: a command that opened it again
    /// counted one more opening that nothing closed, the connection stayed with the request for its
    /// whole long-poll wait, and waiting workers emptied PostgreSQL's pool.
    /// </summary>
    private TransactionCommands CommandsOf(IDbContextTransaction tx) => new(db.Database.GetDbConnection(), tx.GetDbTransaction());

    /// <summary>Each poll not yet answered claims alone and gets its own error: a lone poll, or the polls of a shared transaction that failed (and was undone).</summary>
    private async Task ClaimEachAloneAsync(List<ClaimTurn> live, List<(ClaimTurn Turn, ClaimOutcome Outcome)> done)
    {
        foreach (var turn in live.Where(t => !t.IsDone))
        {
            try
            {
                done.Add((turn, await ClaimAloneAsync(turn.Request, turn.Cancellation)));
            }
#pragma warning disable CA1031 // Given to the poll it belongs to.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                turn.Fail(ex);
            }

            db.ChangeTracker.Clear();
        }
    }

    private void Claimed(ClaimOutcome outcome)
    {
        foreach (var run in outcome.Claimed)
        {
            // Dispatch latency: from when the run was due (created, or its later scheduled start) to its claim.
            metrics.RecordClaim(outcome.Pool.Name, (run.ClaimedAt ?? run.UpdatedAt) - (run.ExpectedStartAt > run.CreatedAt ? run.ExpectedStartAt : run.CreatedAt));
        }
    }

    /// <summary>
    /// Takes the runs <paramref name="ids"/> (Scheduled or AwaitingRetry -> Pending with this worker's
    /// name, as <see cref="FlowRunOrchestrator.Claim"/> does, the version one more) and writes their
    /// state history; returns them as they are now.
    /// </summary>
    protected abstract Task<List<FlowRun>> TakeAsync(IReadOnlyList<Guid> ids, string workerName, DateTime now, TransactionCommands commands, CancellationToken ct);

    /// <summary>The SET and WHERE of the claim's UPDATE, <c>@p0</c> the worker, <c>@p1</c> the time, ids from <c>@p2</c> on.</summary>
    protected static string ClaimUpdateSql(int count)
    {
        var retry = $"\"State\" = '{FlowRunState.AwaitingRetry}'";
        // SET expressions read the row as it was: a retry starts clean (FlowRunOrchestrator.Claim).
        return $$"""
            UPDATE "FlowRuns" SET
              "InfrastructureId" = CASE WHEN {{retry}} THEN NULL ELSE "InfrastructureId" END,
              "InfrastructureHeldSince" = CASE WHEN {{retry}} THEN NULL ELSE "InfrastructureHeldSince" END,
              "NextAttemptAt" = CASE WHEN {{retry}} THEN NULL ELSE "NextAttemptAt" END,
              "State" = '{{FlowRunState.Pending}}', "StateMessage" = NULL, "WorkerName" = @p0,
              "ClaimedAt" = @p1, "UpdatedAt" = @p1, "Version" = "Version" + 1
            WHERE {{Claimable(count)}}
            RETURNING *
            """;
    }

    /// <summary>The runs the claim's UPDATE takes: ids from <c>@p2</c> on, still due to be claimed.</summary>
    protected static string Claimable(int count)
    {
        var ids = string.Join(", ", Enumerable.Range(2, count).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture)));
        return $"\"Id\" IN ({ids}) AND \"State\" IN ('{FlowRunState.Scheduled}', '{FlowRunState.AwaitingRetry}')";
    }

    /// <summary>The state history of the claimed runs as one INSERT ... SELECT from <paramref name="source"/> (a table, CTE or subquery of them).</summary>
    protected static string HistorySql(string source) =>
        $"""INSERT INTO "FlowRunStateChanges" ("FlowRunId", "State", "Message", "Timestamp", "Attempt") SELECT "Id", "State", NULL, "ClaimedAt", "Attempt" FROM {source}""";

    /// <summary>
    /// The pool and the queues a poll names (all of the pool's when it names none), and the worker's
    /// row when this transaction read it for this poll (null: the claim reads it); reads only.
    /// </summary>
    /// <param name="shared">What this transaction read already for its polls; what is read here is added.</param>
    private async Task<Resolved> ResolveAsync(ClaimRequest request, SharedReads? shared, CancellationToken ct)
    {
        WorkerRead? worker = null;
        if (shared?.Pools.GetValueOrDefault(request.PoolName) is not { } pool)
        {
            var found = await PoolWithQueues.For(db)(db, request.PoolName, request.WorkerName, ct)
                ?? throw new NotFoundException($"Work pool '{request.PoolName}' does not exist.");
            pool = found.Pool;
            worker = new WorkerRead(found.Worker);
            if (shared is not null)
            {
                shared.Pools.Add(request.PoolName, pool);
                await ReadWorkersAsync(pool, shared, shared.WorkersOf(request.PoolName, except: request.WorkerName), ct);
            }
        }
        else if (shared.Workers.Remove((pool.Id, request.WorkerName), out var row))
        {
            worker = new WorkerRead(row);
        }

        var allQueues = pool.Queues;
        if (request.Queues is not { Count: > 0 } names)
        {
            return new Resolved(pool, allQueues, worker);
        }

        var unknown = names.Where(n => allQueues.All(q => q.Name != n)).ToList();
        if (unknown.Count > 0)
        {
            throw new NotFoundException($"Work queue(s) {string.Join(", ", unknown.Select(n => $"'{n}'"))} do not exist in pool '{pool.Name}'.");
        }

        return new Resolved(pool, [.. allQueues.Where(q => names.Contains(q.Name))], worker);
    }

    /// <summary>
    /// The rows of the other workers whose polls share this transaction, in one query instead of one
    /// each (tracked: their polls stamp them). Each row serves the first of its worker's polls only:
    /// a later one reads the row as that poll left it.
    /// </summary>
    private async Task ReadWorkersAsync(WorkPool pool, SharedReads shared, string[] names, CancellationToken ct)
    {
        if (names.Length == 0)
        {
            return;
        }

        var rows = new Dictionary<string, PoolWorker>(StringComparer.Ordinal);
        await foreach (var row in WorkersNamed.For(db)(db, pool.Id, names).WithCancellation(ct))
        {
            rows[row.Name] = row;
        }

        foreach (var name in names)
        {
            shared.Workers[(pool.Id, name)] = rows.GetValueOrDefault(name);
        }
    }

    /// <param name="Worker">The worker's row as this transaction read it for this poll; null when the claim reads it on its own.</param>
    private sealed record Resolved(WorkPool Pool, List<WorkQueue> Polled, WorkerRead? Worker);

    /// <summary>What a shared transaction read once for all its polls.</summary>
    private sealed class SharedReads(IReadOnlyList<ClaimTurn> turns)
    {
        /// <summary>The pools read, by name.</summary>
        public Dictionary<string, WorkPool> Pools { get; } = new(StringComparer.Ordinal);

        /// <summary>The workers' rows read for polls still to come, by pool and name (null: none yet).</summary>
        public Dictionary<(Guid Pool, string Worker), PoolWorker?> Workers { get; } = [];

        public string[] WorkersOf(string pool, string except) =>
            [.. turns.Select(t => t.Request).Where(r => r.PoolName == pool && r.WorkerName != except).Select(r => r.WorkerName).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>A worker's row as a read found it: null when it has none.</summary>
    private sealed record WorkerRead(PoolWorker? Row);

    private async Task<ClaimOutcome> ClaimInTransactionAsync(ClaimRequest request, Resolved resolved, TransactionCommands commands, CancellationToken ct)
    {
        var now = rules.Now;
        var (pool, polled, workerRead) = resolved;

        // 1. Stamp the poll: it is a heartbeat and marks the queues as polled (the pool and its
        //    queues are the only rows besides the worker's the change tracker holds: a few, and
        //    written once a second at most). An online worker's stamps wait in memory for the next
        //    heartbeat flush (the worker is then detached).
        var beat = new WorkerBeat(request.HeartbeatIntervalSeconds, request.Queues, PolledAt: now);
        var (worker, wasOnline) = workerRead is { Row: var row }
            ? workers.Upsert(pool, request.WorkerName, beat, row)
            : await workers.UpsertAsync(pool, request.WorkerName, beat, ct);
        PollStamps.Stamp(pool, now);

        var turnedReady = new List<WorkQueue>();
        foreach (var queue in polled)
        {
            if (rules.Queue(queue, pool.IsPaused) == QueueStatus.NotReady)
            {
                turnedReady.Add(queue);
            }

            PollStamps.Stamp(queue, now);
        }

        // A draining worker gets no runs, even one that does not know it drains. The row read above
        // says so (a drain left by a worker seen Offline meanwhile was ended by the upsert).
        var draining = worker.DrainingSince is not null;
        var eligible = ClaimPolicy.EligibleQueues(pool, polled);
        if (eligible.Count == 0 || request.Limit == 0 || !worker.IsHealthy || draining)
        {
            return new ClaimOutcome(pool, worker, wasOnline, polled, turnedReady, [], null) { Draining = draining };
        }

        // 2. Count the slots in use and read the due runs, in the same transaction as the claim
        //    (after the pool's lock, if the provider needs one to keep two claimers from counting
        //    the same free slot). Runs the reaper ended whose infrastructure may still run keep
        //    their slot (FlowRunSlots).
        var heldAfter = FlowRunSlots.HeldAfter(now, rules.Options.InfrastructureHoldSeconds);
        var read = await ReadAsync(pool, request.WorkerName, eligible, q => Math.Min(request.Limit, q.ConcurrencyLimit ?? request.Limit), now, heldAfter, commands, ct);
        var slots = new SlotCount(pool, read.DeploymentLimits, read.Holders);
        var want = Math.Min(request.Limit, slots.PoolRoom);
        var chosen = Choose(read.Candidates, eligible, slots, want, TooLate(read, now), out var skipped);
        if (skipped && chosen.Count < want)
        {
            // Deployment limits or late policies passed over some runs: read further down the queues (rare, so not
            // on every poll), more than the room left since more may be passed over.
            var deeper = await ReadAsync(pool, request.WorkerName, eligible, q => (request.Limit * 4) + 16, now, heldAfter, commands, ct);
            slots = new SlotCount(pool, deeper.DeploymentLimits, deeper.Holders);
            chosen = Choose(deeper.Candidates, eligible, slots, want, TooLate(deeper, now), out _);
        }

        // The claim's time is read after the count: every end the count saw was stamped before it,
        // so the runs' timelines never show a claim overlapping a run that had already freed its slot
        // (on PostgreSQL the lock above may have waited for other claims).
        now = rules.Now;
        List<FlowRun> claimed = [];
        if (chosen.Count > 0)
        {
            // 3. Take the slots: one UPDATE of exactly the runs chosen, their history, their events.
            var order = chosen.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i);
            // RETURNING gives rows in no set order: answer them in the order chosen (the worker starts them so).
            claimed = [.. (await TakeAsync([.. chosen.Select(c => c.Id)], worker.Name, now, commands, ct)).OrderBy(r => order[r.Id])];
            var previous = chosen.ToDictionary(c => c.Id, c => c.State.ToString());
            await events.InsertAsync(db, [.. claimed.Select(r => EventRecorder.RunStateChanged(r, previous[r.Id]))], Value, commands, ct);
        }

        // Every run taken holds a slot now: the worker's count after this claim, as its view shows it.
        return new ClaimOutcome(pool, worker, wasOnline, polled, turnedReady, claimed, claimed.Count == 0 ? read.NextDueAt : null)
        {
            WorkerRunning = read.WorkerActive + claimed.Count,
            Deployments = read.Deployments,
        };
    }

    private Task<ClaimRead> ReadAsync(
        WorkPool pool, string workerName, List<WorkQueue> eligible, Func<WorkQueue, int> take, DateTime now, DateTime heldAfter, TransactionCommands commands, CancellationToken ct) =>
        ClaimRead.ExecuteAsync(commands, this, pool.Id, workerName, eligible, take, ClaimPolicy.QueuesToCount(pool, eligible), now, heldAfter, ct);

    /// <summary>
    /// Runs the claim's <paramref name="sql"/> (<c>@p0</c>.. are <paramref name="values"/>) and reads
    /// the runs it returns whole: the transaction's command of that SQL, not EF Core's query pipeline
    /// (ADR 0001, "The claim's statements without EF Core's query pipeline").
    /// </summary>
    protected async Task<List<FlowRun>> ReadRunsAsync(TransactionCommands commands, string sql, IReadOnlyList<object> values, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(values);
        var parameters = values.Select((v, i) => new KeyValuePair<string, object>("@p" + i.ToString(CultureInfo.InvariantCulture), Value(v))).ToList();
        return await EntityRows<FlowRun>.ReadAsync(commands.For(sql, parameters), db.Model, ct);
    }

    /// <summary>
    /// A first attempt later than its deployment's late policy allows: the late-policy job ends it
    /// Skipped (it runs on a timer and once at start-up), so between its passes the claim must not take it.
    /// </summary>
    private static Func<ClaimCandidate, bool> TooLate(ClaimRead read, DateTime now) =>
        run => run.State == FlowRunState.Scheduled && run.DeploymentId is { } id
            && read.SkipAfterSeconds.TryGetValue(id, out var seconds) && LatePolicyDto.IsTooLate(run.DueAt, seconds, now);

    /// <summary>The runs to take, in claim order, within the pool's, queues' and deployments' free slots.</summary>
    private static List<ClaimCandidate> Choose(
        List<ClaimCandidate> candidates, List<WorkQueue> eligible, SlotCount slots, int want, Func<ClaimCandidate, bool> tooLate, out bool skipped)
    {
        skipped = false;
        var chosen = new List<ClaimCandidate>();
        if (want <= 0)
        {
            return chosen;
        }

        var queues = eligible.ToDictionary(q => q.Id);
        foreach (var run in ClaimPolicy.InFairOrder(candidates, queues, slots.QueueActive))
        {
            if (slots.QueueFull(queues[run.QueueId]))
            {
                continue;
            }

            if (slots.DeploymentFull(run.DeploymentId) || tooLate(run))
            {
                skipped = true;
                continue;
            }

            chosen.Add(run);
            slots.Take(run.QueueId, run.DeploymentId);
            if (chosen.Count == want)
            {
                break;
            }
        }

        return chosen;
    }
}

using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Deployments;

/// <summary>What <see cref="DeploymentService.CreateRunAsync"/> did: a new run, or the one an earlier request with the same idempotency key made.</summary>
public sealed record CreatedRun(FlowRunDto Run, bool Created);

public sealed partial class DeploymentService
{
    /// <summary>Creates a run (no idempotency key): see the overload.</summary>
    public async Task<FlowRunDto> CreateRunAsync(Guid id, CreateFlowRunRequest request, CancellationToken ct = default) =>
        (await CreateRunAsync(id, request, null, ct)).Run;

    /// <summary>
    /// Creates a Scheduled run with parameters and job variables merged (pool &lt; deployment &lt; run).
    /// With an idempotency key already used for this deployment within 24 h, answers that run
    /// instead. A CancelNew deployment whose limit is full gets the run Cancelled at once.
    /// </summary>
    public async Task<CreatedRun> CreateRunAsync(Guid id, CreateFlowRunRequest request, string? idempotencyKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = FlowRunIdempotency.Normalize(idempotencyKey);
        var deployment = await FindAsync(id, ct);
        if (key is not null && await FindByKeyAsync(id, key, ct) is { } earlier)
        {
            return new CreatedRun(runs.ToDto(earlier), false);
        }

        var run = BuildRun(deployment, request.Parameters, request.JobVariables, request.ScheduledStartAt, scheduleKey: null);
        run.IdempotencyKey = key;
        try
        {
            var dto = deployment.CollisionStrategy == CollisionStrategy.CancelNew && deployment.ConcurrencyLimit is { } limit
                ? await AddJudgedAsync(deployment, run, limit, ct)
                : await runs.AddAsync(run, ct);
            return new CreatedRun(dto, true);
        }
        catch (DbUpdateException ex) when (key is not null && UniqueViolation.Is(ex))
        {
            // A request with the same key inserted first (they raced): answer its run.
            db.ChangeTracker.Clear();
            return new CreatedRun(runs.ToDto(await FindByKeyAsync(id, key, ct)
                ?? throw new InvalidOperationException("The run that holds the idempotency key vanished.")), false);
        }
    }

    /// <summary>
    /// The run the key made within the window; a key older than the window is let go (its run
    /// keeps everything else) so the key can make a new run.
    /// </summary>
    private async Task<FlowRun?> FindByKeyAsync(Guid deploymentId, string key, CancellationToken ct)
    {
        var holder = await db.FlowRuns.AsNoTracking().FirstOrDefaultAsync(r => r.DeploymentId == deploymentId && r.IdempotencyKey == key, ct);
        if (holder is null || holder.CreatedAt > rules.Now - FlowRunIdempotency.Window)
        {
            return holder;
        }

        await db.FlowRuns.Where(r => r.Id == holder.Id && r.IdempotencyKey == key)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.IdempotencyKey, (string?)null), ct);
        return null;
    }

    /// <summary>
    /// CancelNew: counts the deployment's unfinished runs (waiting for a first or another attempt,
    /// or holding a slot) and adds the new one, Cancelled when they fill the limit, in one
    /// transaction that no other creation of this deployment can interleave with: SQLite's
    /// transactions take the database's write lock at BEGIN, PostgreSQL's lock the deployment's row.
    /// The scheduler's runs that are not due yet do not count (it makes them up to an hour ahead;
    /// they are judged when due, LatePolicyJob); a run made by hand for later does, as it was judged.
    /// </summary>
    private async Task<FlowRunDto> AddJudgedAsync(Deployment deployment, FlowRun run, int limit, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "Deployments" WHERE "Id" = {deployment.Id} FOR UPDATE""", ct);
        }

        var now = rules.Now;
        var heldAfter = FlowRunSlots.HeldAfter(now, rules.Options.InfrastructureHoldSeconds);
        var alive = await db.FlowRuns.AsNoTracking()
            .CountAsync(r => r.DeploymentId == deployment.Id
                && (r.State == FlowRunState.AwaitingRetry
                    || (r.State == FlowRunState.Scheduled && (r.ExpectedStartAt <= now || r.ScheduleKey == null))
                    || FlowRunStates.Active.Contains(r.State) || r.InfrastructureHeldSince > heldAfter), ct);
        if (alive >= limit)
        {
            run.State = FlowRunState.Cancelled;
            run.StateMessage = $"Cancelled at creation: deployment {deployment.FlowName}/{deployment.Name} already has {alive} unfinished run(s), " +
                $"its concurrency limit is {limit} and its collision strategy is CancelNew.";
            run.EndedAt = now;
        }

        db.FlowRuns.Add(run);
        runs.Record(run);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        var dto = runs.ToDto(run);
        feed.Publish(new FlowRunChanged(dto));
        return dto;
    }
}

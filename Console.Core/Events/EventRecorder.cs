using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Feed;
using Console.Core.Common;
using Console.Core.Deployments;
using Console.Core.Feed;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Console.Core.Events;

/// <summary>
/// Records the events of a save in that save (docs/architecture.md): every change passes through
/// SaveChanges, so this is the one place where "no change without its event, no event without its
/// change" holds, whichever service, job or claim made it. After the commit the events go to the
/// change feed (the Events page, the hub's <c>Event</c>); inside an explicit transaction (the
/// claim) they wait for its commit.
/// </summary>
public sealed class EventRecorder(StatusRules rules, IChangeFeed feed) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, List<ConsoleEvent>> _unsaved = [];
    private readonly ConditionalWeakTable<DbTransaction, List<ConsoleEvent>> _uncommitted = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.Context is { } context)
        {
            // No synchronisation context in this host; the services themselves save asynchronously.
            RecordAsync(context, CancellationToken.None).GetAwaiter().GetResult();
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.Context is { } context)
        {
            await RecordAsync(context, cancellationToken);
        }

        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData?.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData?.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Failed(eventData?.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Failed(eventData?.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(transaction);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(transaction);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => _uncommitted.Remove(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        _uncommitted.Remove(transaction);
        return Task.CompletedTask;
    }

    private async Task RecordAsync(DbContext context, CancellationToken ct)
    {
        var events = new List<ConsoleEvent>();
        foreach (var entry in context.ChangeTracker.Entries().Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted).ToList())
        {
            var recorded = entry.Entity switch
            {
                FlowRun run => RunEvent(context, entry, run),
                Deployment deployment => await DeploymentEventAsync(context, entry, deployment, ct),
                WorkPool pool => PoolEvent(entry, pool),
                PoolWorker worker => await WorkerEventAsync(context, entry, worker, ct),
                WorkQueue queue => await QueueEventAsync(context, entry, queue, ct),
                _ => null,
            };
            if (recorded is not null)
            {
                events.Add(recorded);
            }
        }

        Record(context, events);
    }

    /// <summary>Events the context's save inserts (it is saving, or about to); they reach the change feed after its commit.</summary>
    private void Record(DbContext context, List<ConsoleEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        context.AddRange(events);
        _unsaved.GetOrCreateValue(context).AddRange(events);
    }

    /// <summary>
    /// Writes <paramref name="events"/> with one multi-row INSERT in the context's transaction and
    /// publishes them after its commit, like a save's. For the claim, which holds the
    /// database's only write lock meanwhile: through the change tracker each event was an entity to
    /// track and one statement more. <paramref name="value"/> turns a value into what the provider
    /// stores (SQLite keeps ids as upper-case text). With <paramref name="commands"/> the statement
    /// is prepared once for the transaction (a claim's polls repeat it).
    /// </summary>
    public async Task InsertAsync(DbContext context, IReadOnlyList<ConsoleEvent> events, Func<object, object> value, TransactionCommands? commands, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(value);
        var transaction = context.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Events written by SQL go in the caller's transaction.");
        if (events.Count == 0)
        {
            return;
        }

        // SQLite finds each named parameter by a scan of all of them, so one statement for a fleet's
        // hundreds of new workers would bind in quadratic time; a claim's events stay one statement.
        foreach (var chunk in events.Chunk(MaxRowsPerInsert))
        {
            await InsertChunkAsync(context, transaction, chunk, value, commands, ct);
        }

        _uncommitted.GetOrCreateValue(transaction).AddRange(events);
    }

    /// <summary>The most runs one claim takes, so a claim's events are always one statement.</summary>
    private const int MaxRowsPerInsert = Polling.PollService.MaxLimit;

    /// <remarks>
    /// A command of its own, not <c>ExecuteSqlRaw</c>: EF Core would parse the SQL back for its
    /// placeholders and build each parameter anew, under the claim's write lock.
    /// </remarks>
    private static async Task InsertChunkAsync(
        DbContext context, DbTransaction transaction, ConsoleEvent[] events, Func<object, object> value, TransactionCommands? commands, CancellationToken ct)
    {
        var (into, columns) = InsertShapes.GetValue(context.Model, EventInsertShape);
        var parameters = new List<KeyValuePair<string, object>>(columns.Length * events.Length);
        var sql = new StringBuilder(into).Append(" VALUES ");
        for (var row = 0; row < events.Length; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Length; c++)
            {
                if (c > 0)
                {
                    sql.Append(", ");
                }

                // A null is written as the literal: SQLite finds a named parameter by a scan of all
                // of them, so each one fewer shortens every other's binding (a claim's 10 events have ~160).
                if (columns[c].GetValue(events[row]) is { } v)
                {
                    var name = "@p" + parameters.Count.ToString(CultureInfo.InvariantCulture);
                    parameters.Add(new(name, value(v)));
                    sql.Append(name);
                }
                else
                {
                    sql.Append("NULL");
                }
            }

            sql.Append(')');
        }

        // Only names from the model, NULL and numbered placeholders: every value is a parameter.
        if (commands is not null)
        {
            await commands.For(sql.ToString(), parameters).ExecuteNonQueryAsync(ct);
            return;
        }

        await using var own = new TransactionCommands(context.Database.GetDbConnection(), transaction);
        await own.For(sql.ToString(), parameters).ExecuteNonQueryAsync(ct);
    }

    /// <summary>The INSERT's head and its columns' properties, read from the model once (the claim runs this under the write lock).</summary>
    private static readonly ConditionalWeakTable<IModel, EventInsert> InsertShapes = [];

    private static EventInsert EventInsertShape(IModel model)
    {
        var type = model.FindEntityType(typeof(ConsoleEvent))!;
        var columns = type.GetProperties().Where(p => p.ValueGenerated == ValueGenerated.Never).ToList();
        var names = string.Join(", ", columns.Select(c => $"\"{c.GetColumnName()}\""));
        return new($"INSERT INTO \"{type.GetTableName()}\" ({names})", [.. columns.Select(c => c.PropertyInfo!)]);
    }

    private sealed record EventInsert(string Into, System.Reflection.PropertyInfo[] Columns);

    private void Saved(DbContext? context)
    {
        if (context is null || !_unsaved.TryGetValue(context, out var events))
        {
            return;
        }

        _unsaved.Remove(context);
        // Only what this save wrote. An event recorded but never saved is no longer tracked (the
        // change tracker was cleared, or the pooled context went back to the pool and now serves
        // another request): it never happened, so it never reaches the feed.
        events.RemoveAll(e => context.Entry(e).State != EntityState.Unchanged);
        if (context.Database.CurrentTransaction?.GetDbTransaction() is { } transaction)
        {
            _uncommitted.GetOrCreateValue(transaction).AddRange(events);
            return;
        }

        Publish(events);
    }

    /// <summary>A failed save (a concurrency conflict the caller retries) must not leave its events to ride on the next one.</summary>
    private void Failed(DbContext? context)
    {
        if (context is null || !_unsaved.TryGetValue(context, out var events))
        {
            return;
        }

        _unsaved.Remove(context);
        foreach (var e in events)
        {
            var entry = context.Entry(e);
            if (entry.State == EntityState.Added)
            {
                entry.State = EntityState.Detached;
            }
        }
    }

    private void Committed(DbTransaction transaction)
    {
        if (_uncommitted.TryGetValue(transaction, out var events))
        {
            _uncommitted.Remove(transaction);
            Publish(events);
        }
    }

    private void Publish(List<ConsoleEvent> events)
    {
        foreach (var e in events)
        {
            feed.Publish(new EventRecorded(EventMapping.ToDto(e), e.PoolName));
        }
    }

    /// <summary>
    /// The state-changed event of the row a run's timeline has just gained (FlowRunService.Record),
    /// saved with it. A save may take a run through two states (Failed, then AwaitingRetry for its
    /// retry): each gets its event, in order, each naming the one before as its previous state.
    /// </summary>
    public void RecordRunState(DbContext context, FlowRun run)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(run);
        var entry = context.Entry(run);
        var previous = PendingRunEvent(context, run)?.State
            ?? (entry.State == EntityState.Added ? null : entry.Property(nameof(FlowRun.State)).OriginalValue?.ToString());
        var state = run.State.ToString();
        if (previous != state)
        {
            Record(context, [RunStateChanged(run, previous)]);
        }
    }

    private ConsoleEvent? PendingRunEvent(DbContext context, FlowRun run) =>
        _unsaved.TryGetValue(context, out var events)
            ? events.LastOrDefault(e => e.FlowRunId == run.Id && e.Type == EventTypes.FlowRunStateChanged && context.Entry(e).State == EntityState.Added)
            : null;

    private ConsoleEvent? RunEvent(DbContext context, EntityEntry entry, FlowRun run)
    {
        if (PendingRunEvent(context, run)?.State == run.State.ToString())
        {
            return null; // its timeline recorded it already (RecordRunState)
        }

        string? previous = null;
        if (entry.State == EntityState.Modified)
        {
            var state = entry.Property(nameof(FlowRun.State));
            if (!state.IsModified || Equals(state.OriginalValue, state.CurrentValue))
            {
                return null;
            }

            previous = state.OriginalValue?.ToString();
        }
        else if (entry.State != EntityState.Added)
        {
            return null;
        }

        return RunStateChanged(run, previous);
    }

    /// <summary>The <c>flow-run.state-changed</c> event of a run that has just entered its state from <paramref name="previous"/> (null: created).</summary>
    public static ConsoleEvent RunStateChanged(FlowRun run, string? previous)
    {
        ArgumentNullException.ThrowIfNull(run);
        var related = new List<EventResourceDto>
        {
            new(ResourceKinds.WorkPool, run.PoolId.ToString(), run.WorkPoolName),
            new(ResourceKinds.WorkQueue, run.QueueId.ToString(), run.WorkQueueName),
        };
        if (run.DeploymentId is { } deploymentId)
        {
            related.Add(new(ResourceKinds.Deployment, deploymentId.ToString(), $"{run.FlowName}/{run.DeploymentName}"));
        }

        if (run.WorkerName is { } worker)
        {
            related.Add(new(ResourceKinds.Worker, worker, worker));
        }

        var payload = new JsonObject
        {
            ["state"] = run.State.ToString(),
            ["previousState"] = previous,
            ["message"] = run.StateMessage,
            ["exitCode"] = run.ExitCode,
            ["flowName"] = run.FlowName,
            ["deploymentName"] = run.DeploymentName,
        };
        return New(EventTypes.FlowRunStateChanged, new(ResourceKinds.FlowRun, run.Id.ToString(), run.Name), related, payload, run.UpdatedAt).Also(e =>
            {
                e.PoolName = run.WorkPoolName;
                e.QueueName = run.WorkQueueName;
                e.DeploymentId = run.DeploymentId;
                e.FlowRunId = run.Id;
                e.State = run.State.ToString();
            });
    }

    private async Task<ConsoleEvent?> DeploymentEventAsync(DbContext context, EntityEntry entry, Deployment deployment, CancellationToken ct)
    {
        var type = entry.State switch
        {
            EntityState.Added => EventTypes.DeploymentCreated,
            EntityState.Deleted => EventTypes.DeploymentDeleted,
            _ => EventTypes.DeploymentUpdated,
        };
        var pool = deployment.Pool?.Name ?? await PoolNameAsync(context, deployment.PoolId, ct);
        var payload = new JsonObject { ["isPaused"] = deployment.IsPaused };
        if (entry.State == EntityState.Modified)
        {
            payload["changed"] = new JsonArray([.. entry.Properties.Where(p => p.IsModified && p.Metadata.Name is not (nameof(Deployment.UpdatedAt) or nameof(Deployment.Version)))
                .Select(p => (JsonNode?)JsonValue.Create(char.ToLowerInvariant(p.Metadata.Name[0]) + p.Metadata.Name[1..]))]);
        }

        return New(type, new(ResourceKinds.Deployment, deployment.Id.ToString(), $"{deployment.FlowName}/{deployment.Name}"),
            [new(ResourceKinds.WorkPool, deployment.PoolId.ToString(), pool)], payload, rules.Now).Also(e =>
            {
                e.PoolName = pool;
                e.DeploymentId = deployment.Id;
            });
    }

    private ConsoleEvent? PoolEvent(EntityEntry entry, WorkPool pool)
    {
        if (entry.State != EntityState.Modified || entry.Property(nameof(WorkPool.IsPaused)) is not { IsModified: true } paused
            || Equals(paused.OriginalValue, paused.CurrentValue))
        {
            return null;
        }

        return New(pool.IsPaused ? EventTypes.WorkPoolPaused : EventTypes.WorkPoolResumed,
            new(ResourceKinds.WorkPool, pool.Id.ToString(), pool.Name), [], [], rules.Now).Also(e => e.PoolName = pool.Name);
    }

    private async Task<ConsoleEvent?> WorkerEventAsync(DbContext context, EntityEntry entry, PoolWorker worker, CancellationToken ct)
    {
        if (entry.State == EntityState.Modified && worker.DrainingSince is not null
            && entry.Property(nameof(PoolWorker.DrainingSince)) is { IsModified: true, OriginalValue: null })
        {
            return WorkerEvents.Draining(worker, worker.Pool?.Name ?? await PoolNameAsync(context, worker.PoolId, ct), rules.Now);
        }

        if (entry.State == EntityState.Modified)
        {
            var heartbeat = entry.Property(nameof(PoolWorker.LastHeartbeatAt));
            var interval = entry.Property(nameof(PoolWorker.HeartbeatIntervalSeconds));
            if (!heartbeat.IsModified || (rules.Worker((DateTime)heartbeat.OriginalValue!, (int)interval.OriginalValue!) == WorkerStatus.Online && !worker.ReturnedFromLoss))
            {
                return null;
            }
        }
        else if (entry.State != EntityState.Added)
        {
            return null;
        }

        var pool = worker.Pool?.Name ?? await PoolNameAsync(context, worker.PoolId, ct);
        return WorkerEvents.Online(worker, pool, rules.Now);
    }

    private async Task<ConsoleEvent?> QueueEventAsync(DbContext context, EntityEntry entry, WorkQueue queue, CancellationToken ct)
    {
        // Ready again: polled after going stale, or resumed while its workers poll it.
        if (entry.State != EntityState.Modified)
        {
            return null;
        }

        var polled = entry.Property(nameof(WorkQueue.LastPolledAt));
        var paused = entry.Property(nameof(WorkQueue.IsPaused));
        if (!polled.IsModified && !paused.IsModified)
        {
            return null;
        }

        var before = new WorkQueue { Name = queue.Name, IsPaused = (bool)paused.OriginalValue!, LastPolledAt = (DateTime?)polled.OriginalValue };
        if (queue.IsPaused || rules.Queue(before) == QueueStatus.Ready || rules.Queue(queue) != QueueStatus.Ready)
        {
            return null;
        }

        var pool = queue.Pool?.Name ?? await PoolNameAsync(context, queue.PoolId, ct);
        return New(EventTypes.WorkQueueReady, new(ResourceKinds.WorkQueue, queue.Id.ToString(), queue.Name),
            [new(ResourceKinds.WorkPool, queue.PoolId.ToString(), pool)], [], rules.Now).Also(e =>
            {
                e.PoolName = pool;
                e.QueueName = queue.Name;
            });
    }

    private static async Task<string> PoolNameAsync(DbContext context, Guid poolId, CancellationToken ct) =>
        context.Set<WorkPool>().Local.FirstOrDefault(p => p.Id == poolId)?.Name
        ?? await context.Set<WorkPool>().AsNoTracking().Where(p => p.Id == poolId).Select(p => p.Name).FirstOrDefaultAsync(ct)
        ?? string.Empty;

    internal static ConsoleEvent New(string type, EventResourceDto resource, IReadOnlyList<EventResourceDto> related, JsonObject payload, DateTime at) => new()
    {
        Type = type,
        OccurredAt = at,
        ResourceKind = resource.Kind,
        ResourceId = resource.Id,
        ResourceName = resource.Name,
        Related = Contracts.Common.ConsoleJson.Serialize(related),
        RelatedAsWritten = related,
        Payload = payload.ToJsonString(),
    };
}

using Console.Contracts.Security;
using Console.Core.FlowRuns;
using Console.Core.Polling;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Console.Core.Security;

/// <summary>
/// The roles, once more, at the database: the HTTP rules decide first, but the Blazor UI calls the
/// services directly, so a viewer's circuit must not be able to write either.
/// </summary>
internal static class WriteGuard
{
    public static async Task CheckAsync(Actor actor, IReadOnlyList<EntityEntry> entries, CredentialState credentials, CancellationToken ct)
    {
        switch (actor.Kind)
        {
            case ActorKind.System:
                return;
            case ActorKind.Anonymous:
                if (await credentials.AnyAsync(ct))
                {
                    throw new AccessDeniedException("Sign in first: this console has users or API keys now.");
                }

                return;
        }

        foreach (var entry in entries)
        {
            if (Refusal(actor, entry) is { } reason)
            {
                throw new AccessDeniedException(reason);
            }
        }
    }

    private static string? Refusal(Actor actor, EntityEntry entry)
    {
        var security = entry.Entity is ApiKey or ConsoleUser or Secrets.Secret;
        var ownUser = entry.Entity is ConsoleUser user && entry.State == EntityState.Modified && actor.Kind == ActorKind.User && user.Id == actor.Id;
        if (actor.Role == Roles.Run)
        {
            return RunMayWrite(actor.Id, entry) ? null : $"A run's token may only report that run's logs and state, not change {Describe(entry)}.";
        }

        if (actor.Role == Roles.Worker)
        {
            return WorkerMayWrite(entry) ? null : $"A worker key may only report on the runs of its pools, not change {Describe(entry)}.";
        }

        if (ownUser || Roles.MayAdminister(actor.Role))
        {
            return null;
        }

        if (security)
        {
            return $"Only an admin may change {Describe(entry)}.";
        }

        if (!Roles.MayOperate(actor.Role))
        {
            return $"The role '{actor.Role}' may read but not change {Describe(entry)}.";
        }

        return entry.Entity is WorkPool pool && Widening(entry, pool) is { } widening
            ? $"Only an admin may widen what a pool's runs may do ({widening}); ask an admin to change the template."
            : null;
    }

    /// <summary>What a new or changed pool lets its runs do beyond before (a new pool: beyond its type's default).</summary>
    private static string? Widening(EntityEntry entry, WorkPool pool)
    {
        var template = entry.Property(nameof(WorkPool.BaseJobTemplate));
        var type = entry.Property(nameof(WorkPool.Type));
        if (entry.State == EntityState.Added)
        {
            return TemplateWidening.Describe(null, null, pool.Type, global::Console.Contracts.Common.ConsoleJson.ParseObject(pool.BaseJobTemplate));
        }

        if (entry.State != EntityState.Modified || (!template.IsModified && !type.IsModified))
        {
            return null;
        }

        return TemplateWidening.Describe((string?)type.OriginalValue, global::Console.Contracts.Common.ConsoleJson.ParseObject((string?)template.OriginalValue),
            pool.Type, global::Console.Contracts.Common.ConsoleJson.ParseObject(pool.BaseJobTemplate));
    }

    /// <summary>What a worker's calls touch: its heartbeat, its claims and reports, and the poll's stamps on its pool and queues.</summary>
    private static bool WorkerMayWrite(EntityEntry entry) => entry.Entity switch
    {
        PoolWorker => entry.State != EntityState.Deleted,
        FlowRun => entry.State == EntityState.Modified,
        FlowRunStateChange or LogLine => entry.State == EntityState.Added,
        WorkPool or WorkQueue => entry.State == EntityState.Modified
            && entry.Properties.Where(p => p.IsModified)
                .All(p => PollStamps.Columns.Contains(p.Metadata.Name) || p.Metadata.Name == nameof(Persistence.IVersioned.Version)),
        _ => false,
    };

    private static bool RunMayWrite(Guid? runId, EntityEntry entry) => runId is { } id && entry.Entity switch
    {
        FlowRun run => entry.State == EntityState.Modified && run.Id == id,
        FlowRunStateChange change => entry.State == EntityState.Added && change.FlowRunId == id,
        LogLine line => entry.State == EntityState.Added && line.FlowRunId == id,
        _ => false,
    };

    private static string Describe(EntityEntry entry) => entry.Entity switch
    {
        ApiKey => "API keys",
        ConsoleUser => "users",
        Secrets.Secret => "secrets",
        WorkPool => "work pools",
        WorkQueue => "work queues",
        PoolWorker => "workers",
        Deployments.Deployment => "deployments",
        FlowRun or FlowRunStateChange => "flow runs",
        LogLine => "logs",
        _ => "this",
    };
}

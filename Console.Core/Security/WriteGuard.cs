using Console.Contracts.Security;
using Console.Core.FlowRuns;
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
    /// <summary>What a worker's calls touch: its heartbeat, its claims and reports, polled-at stamps.</summary>
    private static readonly HashSet<string> PollStamps = [nameof(WorkPool.LastPolledAt), nameof(WorkPool.UpdatedAt)];

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
        var security = entry.Entity is ApiKey or ConsoleUser;
        var ownUser = entry.Entity is ConsoleUser user && entry.State == EntityState.Modified && actor.Kind == ActorKind.User && user.Id == actor.Id;
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

        return Roles.MayOperate(actor.Role) ? null : $"The role '{actor.Role}' may read but not change {Describe(entry)}.";
    }

    private static bool WorkerMayWrite(EntityEntry entry) => entry.Entity switch
    {
        PoolWorker => entry.State != EntityState.Deleted,
        FlowRun => entry.State == EntityState.Modified,
        FlowRunStateChange or LogLine => entry.State == EntityState.Added,
        WorkPool or WorkQueue => entry.State == EntityState.Modified
            && entry.Properties.Where(p => p.IsModified).All(p => PollStamps.Contains(p.Metadata.Name)),
        _ => false,
    };

    private static string Describe(EntityEntry entry) => entry.Entity switch
    {
        ApiKey => "API keys",
        ConsoleUser => "users",
        WorkPool => "work pools",
        WorkQueue => "work queues",
        PoolWorker => "workers",
        Deployments.Deployment => "deployments",
        FlowRun or FlowRunStateChange => "flow runs",
        LogLine => "logs",
        _ => "this",
    };
}

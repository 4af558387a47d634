using System.Globalization;
using System.Text.Json.Nodes;
using Console.Contracts.FlowRuns;
using Console.Core.Deployments;
using Console.Core.FlowRuns;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Console.Core.Security;

/// <summary>
/// Turns the pending changes of one save into audit entries: changes people (or their keys) make
/// to pools, queues, deployments, runs, workers, keys and users. Not recorded: what workers report
/// (claims, states, logs, heartbeats), the server's own jobs, and bookkeeping stamps. Values are
/// recorded only where they cannot hold a secret (flags, numbers, names, states); text and JSON
/// (job variables, env, parameters, commands, hashes) appear as "(changed)".
/// </summary>
internal static class AuditRecorder
{
    private const string Changed = "(changed)";

    private static readonly HashSet<string> Bookkeeping =
    [
        "UpdatedAt", "LastPolledAt", "LastHeartbeatAt", "LastUsedAt", "LastSignInAt", "SecurityStamp", "CreatedAt",
        "ClaimedAt", "StartedAt", "EndedAt", "PasswordChangedAt", "Id", "Version",
    ];

    /// <summary>Never in an entry, not even as "(changed)": the action says it (change-password).</summary>
    private static readonly HashSet<string> Secret = ["SecretHash", "PasswordHash", "ProtectedValue", "ProtectedSecretValues"];

    private static readonly HashSet<string> PlainText =
    [
        "Name", "Type", "Role", "State", "FlowName", "DeploymentName", "WorkPoolName", "WorkQueueName", "Entrypoint",
        "Description", "UserName", "Prefix", "WorkerName", "CreatedBy", "RevokedBy",
    ];

    public static async Task<List<AuditEntry>> EntriesAsync(DbContext context, Actor actor, IReadOnlyList<EntityEntry> entries, DateTime now, CancellationToken ct)
    {
        var result = new List<AuditEntry>();
        foreach (var entry in entries)
        {
            if (await DescribeAsync(context, actor, entry, ct) is not { } described)
            {
                continue;
            }

            result.Add(new AuditEntry
            {
                At = now,
                Actor = actor.Name,
                ActorKind = actor.KindName,
                ActorRole = actor.Role,
                Action = described.Action,
                Resource = described.Resource,
                ResourceName = described.Name,
                Changes = Changes(entry).ToJsonString(),
                RemoteAddress = actor.RemoteAddress,
            });
        }

        return result;
    }

    private static async Task<(string Resource, string? Name, string Action)?> DescribeAsync(DbContext context, Actor actor, EntityEntry entry, CancellationToken ct)
    {
        var security = entry.Entity is ApiKey or ConsoleUser or Secrets.Secret;
        if (actor.Kind == ActorKind.System && !security)
        {
            return null; // the server's own jobs: schedules, leases, retention
        }

        if (entry.State == EntityState.Modified && !entry.Properties.Any(p => p.IsModified && !Bookkeeping.Contains(p.Metadata.Name)))
        {
            return null;
        }

        var action = entry.State switch
        {
            EntityState.Added => "create",
            EntityState.Deleted => "delete",
            _ => "update",
        };
        switch (entry.Entity)
        {
            case WorkPool pool:
                return ("work-pool", pool.Name, PauseAction(entry, action));
            case WorkQueue queue:
                return ("work-queue", $"{queue.Pool?.Name ?? await PoolNameAsync(context, queue.PoolId, ct)}/{queue.Name}", PauseAction(entry, action));
            case Deployment deployment:
                return ("deployment", $"{deployment.FlowName}/{deployment.Name}", PauseAction(entry, action));
            case FlowRun run:
                return RunAction(actor, entry, run, action) is { } runAction ? ("flow-run", run.Id.ToString(), runAction) : null;
            case PoolWorker worker when entry.State == EntityState.Deleted && !actor.IsWorker:
                return ("worker", $"{worker.Pool?.Name ?? await PoolNameAsync(context, worker.PoolId, ct)}/{worker.Name}", action);
            case ApiKey key:
                return ("api-key", key.Prefix, entry.State == EntityState.Modified && entry.Property(nameof(ApiKey.RevokedAt)).IsModified ? "revoke" : action);
            case Automations.Automation automation:
                // Trigger and actions are JSON (a webhook's secret among them): "(changed)" only.
                return ("automation", automation.Name, action);
            case Secrets.Secret secret:
                // The value never: its encrypted payload is listed in Secret above; a new value reads "replace".
                return ("secret", secret.Name, entry.State == EntityState.Modified && entry.Property(nameof(Secrets.Secret.ProtectedValue)).IsModified ? "replace" : action);
            case ConsoleUser user:
                return ("user", user.UserName, entry.State == EntityState.Modified && entry.Property(nameof(ConsoleUser.PasswordHash)).IsModified ? "change-password" : action);
            default:
                return null;
        }
    }

    private static string PauseAction(EntityEntry entry, string action)
    {
        if (entry.State != EntityState.Modified)
        {
            return action;
        }

        var changed = entry.Properties.Where(p => p.IsModified && !Bookkeeping.Contains(p.Metadata.Name)).Select(p => p.Metadata.Name).ToList();
        return changed is ["IsPaused"] ? (entry.Property("IsPaused").CurrentValue is true ? "pause" : "resume") : action;
    }

    /// <summary>Runs people create and cancel, and states people set; never what workers report.</summary>
    private static string? RunAction(Actor actor, EntityEntry entry, FlowRun run, string action)
    {
        if (actor.IsWorker)
        {
            return null;
        }

        if (entry.State != EntityState.Modified)
        {
            return action;
        }

        var state = entry.Property(nameof(FlowRun.State));
        if (!state.IsModified)
        {
            return null;
        }

        var before = (FlowRunState)state.OriginalValue!;
        var cancel = run.State == FlowRunState.Cancelling || (run.State == FlowRunState.Cancelled && before != FlowRunState.Cancelling);
        if (cancel)
        {
            return "cancel";
        }

        // On an open console nobody signs in, so the workers' own reports look anonymous: keep cancels only.
        return actor.Kind == ActorKind.Anonymous ? null : "state";
    }

    private static JsonObject Changes(EntityEntry entry)
    {
        var changes = new JsonObject();
        if (entry.State == EntityState.Deleted)
        {
            return changes;
        }

        foreach (var property in entry.Properties)
        {
            var name = property.Metadata.Name;
            if (Bookkeeping.Contains(name) || Secret.Contains(name) || name.EndsWith("Id", StringComparison.Ordinal) || name == nameof(FlowRun.ScheduleKey)
                || (entry.State == EntityState.Modified && !property.IsModified)
                || (entry.State == EntityState.Added && property.CurrentValue is null))
            {
                continue;
            }

            changes[JsonNamingPolicyCamel(name)] = Value(name, property.CurrentValue);
        }

        return changes;
    }

    private static JsonNode? Value(string name, object? value) => value switch
    {
        null => null,
        bool b => b,
        int i => i,
        long l => l,
        double d => d,
        Enum e => e.ToString(),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        string s when PlainText.Contains(name) => s.Length > 200 ? s[..200] + "..." : s,
        _ => Changed,
    };

    private static string JsonNamingPolicyCamel(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);

    private static async Task<string> PoolNameAsync(DbContext context, Guid poolId, CancellationToken ct) =>
        context.Set<WorkPool>().Local.FirstOrDefault(p => p.Id == poolId)?.Name
        ?? await context.Set<WorkPool>().AsNoTracking().Where(p => p.Id == poolId).Select(p => p.Name).FirstOrDefaultAsync(ct)
        ?? poolId.ToString();
}

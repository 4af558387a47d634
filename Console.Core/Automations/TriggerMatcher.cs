using Console.Contracts.Automations;
using Console.Contracts.Common;
using Console.Core.Events;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Automations;

/// <summary>Does an event fire a trigger? Deployment tags are read once per deployment per matcher.</summary>
public sealed class TriggerMatcher(ConsoleDbContext db)
{
    private readonly Dictionary<Guid, (string Name, HashSet<string> Tags)?> _deployments = [];

    public async Task<bool> MatchesAsync(AutomationTrigger trigger, Guid? automationId, ConsoleEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(e);
        switch (trigger.Type)
        {
            case TriggerTypes.FlowRunState:
                if (e.Type != EventTypes.FlowRunStateChanged || trigger.States?.Any(s => s.ToString() == e.State) != true
                    || (trigger.Pool is not null && trigger.Pool != e.PoolName))
                {
                    return false;
                }

                if (trigger.Deployment is null && trigger.Tags is not { Count: > 0 })
                {
                    return true;
                }

                if (e.DeploymentId is not { } id || await DeploymentAsync(id, ct) is not var (name, tags))
                {
                    return false;
                }

                return (trigger.Deployment is null || trigger.Deployment == name || trigger.Deployment.Equals(id.ToString(), StringComparison.OrdinalIgnoreCase))
                    && (trigger.Tags is null || trigger.Tags.All(tags.Contains));
            case TriggerTypes.WorkerOffline:
                return e.Type == EventTypes.WorkerOffline && (trigger.Pool is null || trigger.Pool == e.PoolName);
            default:
                // Timed triggers fire through the events their job records for this automation alone.
                return TriggerTypes.IsTimed(trigger.Type) && e.Type == EventTypes.AutomationTriggered && automationId is not null && e.AutomationId == automationId;
        }
    }

    private async Task<(string Name, HashSet<string> Tags)?> DeploymentAsync(Guid id, CancellationToken ct)
    {
        if (!_deployments.TryGetValue(id, out var known))
        {
            var row = await db.Deployments.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.FlowName, d.Name, d.Tags }).FirstOrDefaultAsync(ct);
            known = row is null ? null : ($"{row.FlowName}/{row.Name}", (ConsoleJson.Deserialize<List<string>>(row.Tags) ?? []).ToHashSet(StringComparer.Ordinal));
            _deployments[id] = known;
        }

        return known;
    }
}

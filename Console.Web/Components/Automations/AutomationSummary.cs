using Console.Contracts.Automations;

namespace Console.Web.Components.Automations;

/// <summary>A trigger in a few words, for lists.</summary>
public static class AutomationSummary
{
    public static string Trigger(AutomationTrigger t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var scope = (t.Pool is null ? string.Empty : $" in {t.Pool}") + (t.Deployment is null ? string.Empty : $" of {t.Deployment}");
        return t.Type switch
        {
            TriggerTypes.FlowRunState => $"A run turns {string.Join(" or ", t.States ?? [])}{scope}",
            TriggerTypes.FlowRunLate => $"A run is {t.AfterSeconds} s late{scope}",
            TriggerTypes.WorkerOffline => $"A worker goes offline{scope}",
            TriggerTypes.QueueNotReady => $"{(t.Queue is null ? "A queue" : $"Queue {t.Queue}")} of {t.Pool} not ready for {t.ForSeconds} s",
            TriggerTypes.Absence => $"No {t.State} run of {t.Deployment} within {t.WithinSeconds} s",
            _ => t.Type ?? "?",
        };
    }
}

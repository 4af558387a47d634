using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Console.Contracts.Automations;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;

namespace Console.Core.Automations;

/// <summary>What makes a trigger or an action valid (docs/api.md); every error names its field.</summary>
public static partial class AutomationRules
{
    public const int MaxActions = 10;
    public const int MaxSeconds = 30 * 24 * 3600;
    public const int MaxBodyChars = 16 * 1024;

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Console-Event", "Console-Delivery", "Console-Signature",
    };

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex HeaderName();

    public static void AddTriggerErrors(AutomationTrigger? trigger, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (trigger is null)
        {
            errors["trigger"] = ["A trigger is required."];
            return;
        }

        switch (trigger.Type)
        {
            case TriggerTypes.FlowRunState:
                if (trigger.States is not { Count: > 0 })
                {
                    errors["trigger.states"] = ["Name at least one state, e.g. [\"Failed\", \"Crashed\"]."];
                }
                else if (trigger.States.Contains(FlowRunState.Late))
                {
                    errors["trigger.states"] = ["Late is derived from the clock, never a state change: use a flowRunLate trigger."];
                }

                OptionalName(trigger.Pool, "trigger.pool", errors);
                OptionalDeployment(trigger.Deployment, "trigger.deployment", errors);
                if (trigger.Tags is { Count: > 20 } || trigger.Tags?.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 63) == true)
                {
                    errors["trigger.tags"] = ["At most 20 tags of 1-63 characters."];
                }

                break;
            case TriggerTypes.FlowRunLate:
                Seconds(trigger.AfterSeconds, "trigger.afterSeconds", errors);
                OptionalName(trigger.Pool, "trigger.pool", errors);
                OptionalDeployment(trigger.Deployment, "trigger.deployment", errors);
                break;
            case TriggerTypes.WorkerOffline:
                OptionalName(trigger.Pool, "trigger.pool", errors);
                break;
            case TriggerTypes.QueueNotReady:
                if (!Names.IsValid(trigger.Pool))
                {
                    errors["trigger.pool"] = ["The pool whose queues are watched is required (a pool name)."];
                }

                OptionalName(trigger.Queue, "trigger.queue", errors);
                Seconds(trigger.ForSeconds, "trigger.forSeconds", errors);
                break;
            case TriggerTypes.Absence:
                if (trigger.Deployment is null)
                {
                    errors["trigger.deployment"] = ["The deployment that should have run is required ('flow/name' or its id)."];
                }

                OptionalDeployment(trigger.Deployment, "trigger.deployment", errors);
                if (trigger.State is null or FlowRunState.Late)
                {
                    errors["trigger.state"] = ["The state expected in time is required, e.g. Completed."];
                }

                Seconds(trigger.WithinSeconds, "trigger.withinSeconds", errors);
                break;
            default:
                errors["trigger.type"] = [$"The trigger type is one of {string.Join(", ", TriggerTypes.All)}."];
                break;
        }
    }

    public static void AddActionErrors(IReadOnlyList<AutomationAction>? actions, string? triggerType, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (actions is not { Count: > 0 } || actions.Count > MaxActions)
        {
            errors["actions"] = [$"Give 1 to {MaxActions} actions."];
            return;
        }

        for (var i = 0; i < actions.Count; i++)
        {
            var field = $"actions[{i}]";
            var action = actions[i];
            if (action is null)
            {
                errors[field] = ["An action cannot be null."];
                continue;
            }

            switch (action.Type)
            {
                case ActionTypes.Webhook:
                    WebhookErrors(action, field, errors);
                    break;
                case ActionTypes.RunDeployment:
                case ActionTypes.PauseDeployment:
                    if (action.Deployment is null)
                    {
                        errors[$"{field}.deployment"] = ["The deployment is required ('flow/name' or its id)."];
                    }

                    OptionalDeployment(action.Deployment, $"{field}.deployment", errors);
                    break;
                case ActionTypes.CancelFlowRun:
                    if (triggerType is not (TriggerTypes.FlowRunState or TriggerTypes.FlowRunLate))
                    {
                        errors[$"{field}.type"] = ["cancelFlowRun cancels the event's run: only flowRunState and flowRunLate triggers have one."];
                    }

                    break;
                case ActionTypes.PauseWorkPool:
                case ActionTypes.ResumeWorkPool:
                case ActionTypes.PauseWorkQueue:
                    if (!Names.IsValid(action.Pool))
                    {
                        errors[$"{field}.pool"] = ["The pool is required (a pool name)."];
                    }

                    if (action.Type == ActionTypes.PauseWorkQueue && !Names.IsValid(action.Queue))
                    {
                        errors[$"{field}.queue"] = ["The queue is required (a queue name)."];
                    }

                    break;
                default:
                    errors[$"{field}.type"] = [$"The action type is one of {string.Join(", ", ActionTypes.All)}."];
                    break;
            }
        }
    }

    private static void WebhookErrors(AutomationAction action, string field, Dictionary<string, string[]> errors)
    {
        if (!Uri.TryCreate(action.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || action.Url!.Length > 2048)
        {
            errors[$"{field}.url"] = ["The URL must be an absolute http:// or https:// address of at most 2048 characters."];
        }
        else if (!string.IsNullOrEmpty(url.UserInfo))
        {
            errors[$"{field}.url"] = ["Put credentials in a header, not in the URL."];
        }

        if (action.Secret is { Length: 0 or > 256 })
        {
            errors[$"{field}.secret"] = ["A secret has 1 to 256 characters."];
        }

        if (action.Headers is { } headers)
        {
            if (headers.Count > 20)
            {
                errors[$"{field}.headers"] = ["At most 20 headers."];
            }

            foreach (var (name, value) in headers)
            {
                if (!HeaderName().IsMatch(name ?? string.Empty) || ReservedHeaders.Contains(name!))
                {
                    errors[$"{field}.headers"] = [$"'{name}' cannot be set: use a valid header name other than {string.Join(", ", ReservedHeaders)}."];
                }
                else if (value is null || value.Length > 1024 || value.Any(c => c is '\r' or '\n' or '\0'))
                {
                    errors[$"{field}.headers"] = [$"The value of '{name}' must be one line of at most 1024 characters."];
                }
            }
        }

        if (action.Body is { } body && body.ToJsonString().Length > MaxBodyChars)
        {
            errors[$"{field}.body"] = [$"The body template has at most {MaxBodyChars} characters."];
        }
    }

    private static void OptionalName(string? name, string field, Dictionary<string, string[]> errors)
    {
        if (name is not null && !Names.IsValid(name))
        {
            errors[field] = [$"'{name}' is not a valid name: use 1-63 lowercase letters, digits, and inner '-' or '_'."];
        }
    }

    private static void OptionalDeployment(string? deployment, string field, Dictionary<string, string[]> errors)
    {
        if (deployment is not null && !Guid.TryParse(deployment, out _) && ParseDeploymentName(deployment) is null)
        {
            errors[field] = [$"'{deployment}' is neither 'flow/name' nor a deployment id."];
        }
    }

    private static void Seconds(int? seconds, string field, Dictionary<string, string[]> errors)
    {
        if (seconds is not (>= 1 and <= MaxSeconds))
        {
            errors[field] = [$"Give 1 to {MaxSeconds} seconds."];
        }
    }

    /// <summary>"flow/name" split, or null when it is not that form.</summary>
    public static (string Flow, string Name)? ParseDeploymentName(string? value)
    {
        var parts = value?.Split('/');
        return parts is [var flow, var name] && Names.IsValid(flow) && Names.IsValid(name) ? (flow, name) : null;
    }

    /// <summary>Parameters for runDeployment are a JSON object; null stays null.</summary>
    public static JsonObject? CloneParameters(JsonObject? parameters) => parameters?.DeepClone().AsObject();
}

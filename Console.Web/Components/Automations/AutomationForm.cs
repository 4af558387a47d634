using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts.Automations;
using Console.Contracts.FlowRuns;

namespace Console.Web.Components.Automations;

/// <summary>
/// The builder's editable model of an automation: every trigger's and action's fields as the form
/// shows them (lists and JSON as text), turned into the API's request with its input errors named
/// by the same fields the server uses.
/// </summary>
public sealed class AutomationForm
{
    public string Name { get; set; } = string.Empty;
    public string? Description { get; set; }
    public bool Enabled { get; set; } = true;
    public int? CooldownSeconds { get; set; }
    public string TriggerType { get; set; } = TriggerTypes.FlowRunState;
    public HashSet<FlowRunState> States { get; } = [FlowRunState.Failed, FlowRunState.Crashed];
    public string? Pool { get; set; }
    public string? Queue { get; set; }
    public string? Deployment { get; set; }
    public string? Tags { get; set; }
    public int? AfterSeconds { get; set; } = 300;
    public int? ForSeconds { get; set; } = 300;
    public FlowRunState AbsenceState { get; set; } = FlowRunState.Completed;
    public int? WithinSeconds { get; set; } = 86_400;
    public List<ActionForm> Actions { get; } = [new()];

    public AutomationTrigger Trigger() => TriggerType switch
    {
        TriggerTypes.FlowRunState => new() { Type = TriggerType, States = [.. States.Order()], Pool = Blank(Pool), Deployment = Blank(Deployment), Tags = TagList() },
        TriggerTypes.FlowRunLate => new() { Type = TriggerType, AfterSeconds = AfterSeconds, Pool = Blank(Pool), Deployment = Blank(Deployment) },
        TriggerTypes.WorkerOffline => new() { Type = TriggerType, Pool = Blank(Pool) },
        TriggerTypes.QueueNotReady => new() { Type = TriggerType, Pool = Blank(Pool), Queue = Blank(Queue), ForSeconds = ForSeconds },
        TriggerTypes.Absence => new() { Type = TriggerType, Deployment = Blank(Deployment), State = AbsenceState, WithinSeconds = WithinSeconds },
        _ => new() { Type = TriggerType },
    };

    /// <summary>The request, or the form's own input errors (JSON that does not parse) by field.</summary>
    public (CreateAutomationRequest? Request, Dictionary<string, string> Errors) ToRequest()
    {
        var errors = new Dictionary<string, string>();
        var actions = Actions.Select((a, i) => a.ToAction($"actions[{i}]", errors)).ToList();
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new CreateAutomationRequest
        {
            Name = Name.Trim(),
            Description = Blank(Description),
            Enabled = Enabled,
            CooldownSeconds = CooldownSeconds,
            Trigger = Trigger(),
            Actions = actions,
        }, errors);
    }

    public static AutomationForm From(AutomationDto dto)
    {
        ArgumentNullException.ThrowIfNull(dto);
        var t = dto.Trigger;
        var form = new AutomationForm
        {
            Name = dto.Name,
            Description = dto.Description,
            Enabled = dto.Enabled,
            CooldownSeconds = dto.CooldownSeconds,
            TriggerType = t.Type ?? TriggerTypes.FlowRunState,
            Pool = t.Pool,
            Queue = t.Queue,
            Deployment = t.Deployment,
            Tags = t.Tags is null ? null : string.Join(", ", t.Tags),
            AfterSeconds = t.AfterSeconds ?? 300,
            ForSeconds = t.ForSeconds ?? 300,
            AbsenceState = t.State ?? FlowRunState.Completed,
            WithinSeconds = t.WithinSeconds ?? 86_400,
        };
        form.States.Clear();
        form.States.UnionWith(t.States ?? []);
        form.Actions.Clear();
        form.Actions.AddRange(dto.Actions.Select(ActionForm.From));
        return form;
    }

    private List<string>? TagList() =>
        string.IsNullOrWhiteSpace(Tags) ? null : [.. Tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    internal static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

public sealed class ActionForm
{
    /// <summary>The server's id of the action: sent back, the action keeps its stored secret and header values wherever it moved.</summary>
    public string? Id { get; set; }

    public string Type { get; set; } = ActionTypes.Webhook;
    public string? Url { get; set; }

    /// <summary>Typed anew to set or change it; left empty the stored secret stays.</summary>
    public string? Secret { get; set; }

    public bool HasSecret { get; set; }

    /// <summary>Deletes the stored secret on save (its deliveries are no longer signed).</summary>
    public bool RemoveSecret { get; set; }

    /// <summary>One "Name: value" per line; a stored value shows as "****", which keeps it.</summary>
    public string? Headers { get; set; }

    public string? Body { get; set; }
    public string? Deployment { get; set; }
    public string? Parameters { get; set; }
    public string? Pool { get; set; }
    public string? Queue { get; set; }

    public AutomationAction ToAction(string field, Dictionary<string, string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return Type switch
        {
            ActionTypes.Webhook => new AutomationAction
            {
                Id = Id,
                Type = Type,
                Url = AutomationForm.Blank(Url),
                Secret = AutomationForm.Blank(Secret),
                HasSecret = RemoveSecret && AutomationForm.Blank(Secret) is null ? false : null,
                Headers = HeaderMap($"{field}.headers", errors),
                Body = Json($"{field}.body", Body, errors),
            },
            ActionTypes.RunDeployment => new AutomationAction
            {
                Id = Id,
                Type = Type,
                Deployment = AutomationForm.Blank(Deployment),
                Parameters = Json($"{field}.parameters", Parameters, errors) is { } p ? p as JsonObject ?? Error<JsonObject>($"{field}.parameters", "Parameters are a JSON object.", errors) : null,
            },
            ActionTypes.PauseDeployment => new AutomationAction { Id = Id, Type = Type, Deployment = AutomationForm.Blank(Deployment) },
            ActionTypes.PauseWorkPool or ActionTypes.ResumeWorkPool => new AutomationAction { Id = Id, Type = Type, Pool = AutomationForm.Blank(Pool) },
            ActionTypes.PauseWorkQueue => new AutomationAction { Id = Id, Type = Type, Pool = AutomationForm.Blank(Pool), Queue = AutomationForm.Blank(Queue) },
            _ => new AutomationAction { Id = Id, Type = Type },
        };
    }

    public static ActionForm From(AutomationAction a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new ActionForm
        {
            Id = a.Id,
            Type = a.Type ?? ActionTypes.Webhook,
            Url = a.Url,
            HasSecret = a.HasSecret == true,
            Headers = a.Headers is null ? null : string.Join('\n', a.Headers.Select(h => $"{h.Key}: {h.Value}")),
            Body = a.Body?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
            Deployment = a.Deployment,
            Parameters = a.Parameters?.ToJsonString(),
            Pool = a.Pool,
            Queue = a.Queue,
        };
    }

    private Dictionary<string, string>? HeaderMap(string field, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(Headers))
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Headers.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                errors[field] = string.Create(CultureInfo.InvariantCulture, $"'{line}' is not 'Name: value'.");
                return null;
            }

            map[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        return map;
    }

    private static JsonNode? Json(string field, string? text, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            errors[field] = $"Not valid JSON: {ex.Message}";
            return null;
        }
    }

    private static T? Error<T>(string field, string message, Dictionary<string, string> errors)
        where T : class
    {
        errors[field] = message;
        return null;
    }
}

using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Core.Common;
using Console.Core.Events;
using Console.Core.Feed;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Console.Core.Automations;

/// <summary>Automations: create, read, change, delete, test, and their deliveries (docs/automations.md).</summary>
public sealed class AutomationService(ConsoleDbContext db, IChangeFeed feed, StatusRules rules, IOptions<AutomationOptions> options, WebhookSecrets secrets)
{
    /// <summary>Saves tried before a change that keeps meeting the dispatcher's firings is answered 409.</summary>
    private const int MaxConflictRetries = 5;

    public async Task<IReadOnlyList<AutomationDto>> ListAsync(CancellationToken ct = default)
    {
        var list = await db.Automations.AsNoTracking().OrderBy(a => a.Name).ToListAsync(ct);
        return [.. list.Select(ToDto)];
    }

    public async Task<AutomationDto> GetAsync(string idOrName, CancellationToken ct = default) => ToDto(await FindAsync(idOrName, ct));

    /// <summary>By id, or by name (the CLI's form).</summary>
    public async Task<Automation> FindAsync(string idOrName, CancellationToken ct = default) =>
        (Guid.TryParse(idOrName, out var id)
            ? await db.Automations.FirstOrDefaultAsync(a => a.Id == id, ct)
            : await db.Automations.FirstOrDefaultAsync(a => a.Name == idOrName, ct))
        ?? throw new NotFoundException($"Automation '{idOrName}' does not exist.");

    public async Task<AutomationDto> CreateAsync(CreateAutomationRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        if (!Names.IsValid(request.Name))
        {
            errors["name"] = [$"'{request.Name}' is not a valid name: use 1-63 lowercase letters, digits, and inner '-' or '_'."];
        }

        Common(request.Description, request.CooldownSeconds, errors);
        AutomationRules.AddTriggerErrors(request.Trigger, errors);
        AutomationRules.AddActionErrors(request.Actions, request.Trigger?.Type, errors);
        ThrowIfAny(errors);
        await CheckReachableAsync(request.Actions!, ct);
        if (await db.Automations.AnyAsync(a => a.Name == request.Name, ct))
        {
            throw new ConflictException($"An automation named '{request.Name}' already exists.");
        }

        if (await db.Automations.CountAsync(ct) >= options.Value.MaxAutomations)
        {
            throw new UnprocessableException("name", $"This console already has {options.Value.MaxAutomations} automations (Automations:MaxAutomations).");
        }

        var now = rules.Now;
        var automation = new Automation
        {
            Name = request.Name!,
            Description = request.Description,
            Enabled = request.Enabled ?? true,
            TriggerType = request.Trigger!.Type!,
            Trigger = ConsoleJson.Serialize(request.Trigger),
            Actions = ConsoleJson.Serialize(secrets.ToStored(request.Actions!, [])),
            CooldownSeconds = request.CooldownSeconds,
            ArmedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Automations.Add(automation);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
        {
            throw new ConflictException($"An automation named '{request.Name}' already exists.");
        }

        return Publish(automation);
    }

    /// <summary>
    /// Changes an automation. The dispatcher may fire it meanwhile (its <see cref="Automation.LastFiredAt"/>
    /// is a concurrency token): the change is then made again on the row as it is now, so a PATCH or the
    /// console's enable toggle never fails because the automation happened to fire.
    /// </summary>
    public async Task<AutomationDto> UpdateAsync(string idOrName, UpdateAutomationRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var checkReachable = true;
        return await WhileFiringAsync(idOrName, () =>
        {
            // The request's webhook addresses are resolved on the first attempt (it fails there if one
            // is refused): a retry after a firing re-reads the row, not DNS.
            var check = checkReachable;
            checkReachable = false;
            return UpdateOnceAsync(idOrName, request, check, ct);
        });
    }

    /// <summary>
    /// Runs a read-change-save of the automation again on the row as it is now when it fired meanwhile
    /// (<c>LastFiredAt</c> is a concurrency token); 409 when it kept firing through every attempt.
    /// </summary>
    private async Task<T> WhileFiringAsync<T>(string idOrName, Func<Task<T>> once)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await once();
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxConflictRetries)
            {
                db.ChangeTracker.Clear();
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new ConflictException($"The automation '{idOrName}' kept changing while it was being saved: try again.");
            }
        }
    }

    private async Task<AutomationDto> UpdateOnceAsync(string idOrName, UpdateAutomationRequest request, bool checkReachable, CancellationToken ct)
    {
        var automation = await FindAsync(idOrName, ct);
        var errors = new Dictionary<string, string[]>();
        if (request.Name is not null && !Names.IsValid(request.Name))
        {
            errors["name"] = [$"'{request.Name}' is not a valid name: use 1-63 lowercase letters, digits, and inner '-' or '_'."];
        }

        var trigger = request.Trigger ?? ConsoleJson.Deserialize<AutomationTrigger>(automation.Trigger)!;
        var stored = StoredActions(automation);
        // Stored secrets are encrypted (and were checked when given): only the rest of the actions is checked again.
        var actions = request.Actions ?? [.. stored.Select(a => a with { Secret = null })];
        Common(request.Description.GetValueOr(automation.Description), request.CooldownSeconds.GetValueOr(automation.CooldownSeconds), errors);
        AutomationRules.AddTriggerErrors(trigger, errors);
        AutomationRules.AddActionErrors(actions, trigger.Type, errors);
        ThrowIfAny(errors);
        if (request.Actions is not null && checkReachable)
        {
            await CheckReachableAsync(actions, ct);
        }

        if (request.Name is not null && request.Name != automation.Name && await db.Automations.AnyAsync(a => a.Name == request.Name, ct))
        {
            throw new ConflictException($"An automation named '{request.Name}' already exists.");
        }

        var now = rules.Now;
        automation.Name = request.Name ?? automation.Name;
        automation.Description = request.Description.GetValueOr(automation.Description);
        automation.CooldownSeconds = request.CooldownSeconds.GetValueOr(automation.CooldownSeconds);
        automation.TriggerType = trigger.Type!;
        automation.Trigger = ConsoleJson.Serialize(trigger);
        automation.Actions = ConsoleJson.Serialize(request.Actions is null ? secrets.Reseal(stored) : secrets.ToStored(request.Actions, stored));
        if (request.Enabled is { } enabled && enabled != automation.Enabled)
        {
            automation.Enabled = enabled;
            if (enabled)
            {
                automation.ArmedAt = now;
            }
        }

        automation.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return Publish(automation);
    }

    public async Task DeleteAsync(string idOrName, CancellationToken ct = default)
    {
        var automation = await WhileFiringAsync(idOrName, async () =>
        {
            var found = await FindAsync(idOrName, ct);
            db.Automations.Remove(found);
            await db.SaveChangesAsync(ct);
            return found;
        });

        await db.DeliveryAttempts.Where(d => d.AutomationId == automation.Id).ExecuteDeleteAsync(ct);
        await db.AutomationDeliveries.Where(d => d.AutomationId == automation.Id).ExecuteDeleteAsync(ct);
        feed.Publish(new AutomationChanged(automation.Id, null));
    }

    /// <summary>Fires every action once with a sample event (not stored): the deliveries show how it went.</summary>
    public async Task<AutomationTestResult> TestAsync(string idOrName, CancellationToken ct = default)
    {
        var automation = await FindAsync(idOrName, ct);
        var now = rules.Now;
        var sample = new EventDto
        {
            Id = Guid.CreateVersion7(),
            OccurredAt = now,
            Type = EventTypes.AutomationTest,
            Resource = new EventResourceDto(ResourceKinds.Automation, automation.Id.ToString(), automation.Name),
            Payload = new() { ["message"] = $"A test of the automation '{automation.Name}'." },
        };
        var deliveries = AutomationDispatcher.NewDeliveries(automation, sample, now);
        db.AutomationDeliveries.AddRange(deliveries);
        await db.SaveChangesAsync(ct);
        return new AutomationTestResult(sample, [.. deliveries.Select(d => d.Id)]);
    }

    public async Task<IReadOnlyList<DeliveryDto>> DeliveriesAsync(string idOrName, int? limit, CancellationToken ct = default)
    {
        var automation = await FindAsync(idOrName, ct);
        var take = limit ?? 100;
        if (take is < 1 or > 1000)
        {
            throw new InvalidRequestException("limit", "The limit must be 1 to 1000.");
        }

        var list = await db.DeliveryAttempts.AsNoTracking().Where(d => d.AutomationId == automation.Id)
            .OrderByDescending(d => d.Id).Take(take).ToListAsync(ct);
        return [.. list.Select(ToDto)];
    }

    /// <summary>Which of the recent events a trigger would have matched (the builder's preview); timed triggers match on the clock, so none.</summary>
    public async Task<IReadOnlyList<EventDto>> PreviewAsync(AutomationPreviewRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        AutomationRules.AddTriggerErrors(request.Trigger, errors);
        ThrowIfAny(errors);
        if (TriggerTypes.IsTimed(request.Trigger!.Type))
        {
            return [];
        }

        var limit = Math.Clamp(request.Limit ?? 20, 1, 200);
        var recent = await db.Events.AsNoTracking().OrderByDescending(e => e.Seq).Take(1000).ToListAsync(ct);
        var matcher = new TriggerMatcher(db);
        var matched = new List<EventDto>();
        foreach (var e in recent)
        {
            if (matched.Count < limit && await matcher.MatchesAsync(request.Trigger, null, e, ct))
            {
                matched.Add(EventMapping.ToDto(e));
            }
        }

        return matched;
    }

    public static DeliveryDto ToDto(DeliveryAttempt d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new DeliveryDto
        {
            Id = d.DeliveryId,
            EventId = d.EventId,
            AutomationId = d.AutomationId,
            Action = d.ActionType,
            ActionIndex = d.ActionIndex,
            Attempt = d.Attempt,
            StatusCode = d.StatusCode,
            Error = d.Error,
            DurationMs = d.DurationMs,
            At = d.At,
            Outcome = d.Outcome,
        };
    }

    public static AutomationDto ToDto(Automation automation)
    {
        ArgumentNullException.ThrowIfNull(automation);
        return new AutomationDto
        {
            Id = automation.Id,
            Name = automation.Name,
            Description = automation.Description,
            Enabled = automation.Enabled,
            Trigger = ConsoleJson.Deserialize<AutomationTrigger>(automation.Trigger)!,
            // The secret and header values are write-only (credentials go there): answers say only whether
            // there is a secret, and which headers are set.
            Actions = [.. StoredActions(automation).Select(a => a.Type == ActionTypes.Webhook
                ? a with
                {
                    Secret = null,
                    HasSecret = a.Secret is not null,
                    Headers = a.Headers?.ToDictionary(h => h.Key, _ => AutomationAction.RedactedHeader, StringComparer.OrdinalIgnoreCase),
                }
                : a)],
            CooldownSeconds = automation.CooldownSeconds,
            LastFiredAt = automation.LastFiredAt,
            CreatedAt = automation.CreatedAt,
            UpdatedAt = automation.UpdatedAt,
        };
    }

    internal static List<AutomationAction> StoredActions(Automation automation) =>
        ConsoleJson.Deserialize<List<AutomationAction>>(automation.Actions) ?? [];

    private AutomationDto Publish(Automation automation)
    {
        var dto = ToDto(automation);
        feed.Publish(new AutomationChanged(automation.Id, dto));
        return dto;
    }

    private async Task CheckReachableAsync(IReadOnlyList<AutomationAction> actions, CancellationToken ct)
    {
        var allowPrivate = options.Value.AllowPrivateNetworks == true;
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            try
            {
                switch (action.Type)
                {
                    case ActionTypes.Webhook:
                        await WebhookAddresses.ResolveAsync(new Uri(action.Url!).IdnHost, allowPrivate, ct);
                        break;
                    case ActionTypes.RunDeployment or ActionTypes.PauseDeployment:
                        await DeploymentIdAsync(db, action.Deployment!, ct);
                        break;
                    case ActionTypes.PauseWorkPool or ActionTypes.ResumeWorkPool:
                        if (!await db.WorkPools.AnyAsync(p => p.Name == action.Pool, ct))
                        {
                            throw new NotFoundException($"Work pool '{action.Pool}' does not exist.");
                        }

                        break;
                    case ActionTypes.PauseWorkQueue:
                        if (!await db.WorkQueues.AnyAsync(q => q.Pool.Name == action.Pool && q.Name == action.Queue, ct))
                        {
                            throw new NotFoundException($"Work queue '{action.Queue}' does not exist in pool '{action.Pool}'.");
                        }

                        break;
                }
            }
            catch (Exception ex) when (ex is WebhookAddressException or NotFoundException or System.Net.Sockets.SocketException)
            {
                var field = action.Type == ActionTypes.Webhook ? $"actions[{i}].url" : $"actions[{i}]";
                throw new UnprocessableException(field, ex is System.Net.Sockets.SocketException ? $"'{action.Url}' cannot be resolved: {ex.Message}" : ex.Message);
            }
        }
    }

    /// <summary>The id of "flow/name" or of an id.</summary>
    public static async Task<Guid> DeploymentIdAsync(ConsoleDbContext db, string deployment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        Guid? id = Guid.TryParse(deployment, out var parsed)
            ? await db.Deployments.Where(d => d.Id == parsed).Select(d => (Guid?)d.Id).FirstOrDefaultAsync(ct)
            : AutomationRules.ParseDeploymentName(deployment) is var (flow, name)
                ? await db.Deployments.Where(d => d.FlowName == flow && d.Name == name).Select(d => (Guid?)d.Id).FirstOrDefaultAsync(ct)
                : null;
        return id ?? throw new NotFoundException($"Deployment '{deployment}' does not exist.");
    }

    private static void Common(string? description, int? cooldown, Dictionary<string, string[]> errors)
    {
        if (description is { Length: > 1000 })
        {
            errors["description"] = ["A description has at most 1000 characters."];
        }

        if (cooldown is not null and not (>= 0 and <= AutomationRules.MaxSeconds))
        {
            errors["cooldownSeconds"] = [$"Give 0 to {AutomationRules.MaxSeconds} seconds."];
        }
    }

    private static void ThrowIfAny(Dictionary<string, string[]> errors)
    {
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("The automation is not valid: " + string.Join(" ", errors.Values.SelectMany(v => v)), errors);
        }
    }
}

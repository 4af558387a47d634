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

/// <summary>
/// Acts on recorded events, driven by a Hangfire job on every replica (docs/architecture.md). State
/// lives in the database only, so a crash loses nothing: an event not yet matched is matched after
/// the restart, a delivery not yet done is done then.
/// 1. Match: each event not yet dispatched is matched against the enabled automations; one
///    delivery row per (event, automation, action) is inserted with the event marked dispatched, in
///    one transaction. The unique index on (event, automation, action) makes a second replica's
///    insert fail, so each action is delivered under exactly one id.
/// 2. Lease: a due delivery is taken by a conditional UPDATE (pending, lease free or expired); the
///    one replica whose UPDATE hit the row performs the attempt.
/// 3. Attempt: the action runs (a webhook POST, or the same service call the REST API makes).
/// 4. Record: the attempt is a row (unique per delivery and attempt number); the delivery is done,
///    given up, or due again after a backoff. A crash between 3 and 4 repeats the attempt after the
///    lease expires: webhooks are at least once, deduplicated by receivers through Console-Delivery;
///    runDeployment is keyed by the delivery id, pauses are idempotent.
/// </summary>
public sealed class AutomationDispatcher(
    ConsoleDbContext db, IChangeFeed feed, StatusRules rules, IOptions<AutomationOptions> options, AutomationActions actions)
{
    private const int EventBatch = 200;
    private const int DeliveryBatch = 20;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        await MatchAsync(ct);
        return await DeliverDueAsync(ct);
    }

    public async Task MatchAsync(CancellationToken ct)
    {
        var events = await db.Events.Where(e => e.DispatchedAt == null).OrderBy(e => e.Seq).Take(EventBatch).ToListAsync(ct);
        if (events.Count == 0)
        {
            return;
        }

        var automations = await db.Automations.Where(a => a.Enabled).ToListAsync(ct);
        if (automations.Count == 0)
        {
            // Nothing can match: one statement marks the batch, instead of a write per event that
            // would queue behind (and hold up) the claims and heartbeats on SQLite's single writer.
            var last = events[^1].Seq;
            var now = rules.Now;
            await db.Events.Where(e => e.DispatchedAt == null && e.Seq <= last)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.DispatchedAt, now), ct);
            return;
        }

        var triggers = automations.ToDictionary(a => a.Id, a => ConsoleJson.Deserialize<AutomationTrigger>(a.Trigger)!);
        var matcher = new TriggerMatcher(db);
        foreach (var e in events)
        {
            var now = rules.Now;
            var deliveries = new List<AutomationDelivery>();
            foreach (var automation in automations)
            {
                // An automation reacts to what happens once it is armed (created or enabled): an older event
                // still waiting for this pass (the dispatcher lags under load) must not fire it.
                if (e.OccurredAt < automation.ArmedAt || !await matcher.MatchesAsync(triggers[automation.Id], automation.Id, e, ct))
                {
                    continue;
                }

                if (automation.CooldownSeconds is > 0 and var cooldown && automation.LastFiredAt is { } last && e.OccurredAt < last.AddSeconds(cooldown))
                {
                    continue;
                }

                // The event's time, not now: after a restart with a backlog, events further apart than
                // the cooldown each fire, however close together they are matched.
                automation.LastFiredAt = automation.LastFiredAt is { } previous && previous > e.OccurredAt ? previous : e.OccurredAt;
                deliveries.AddRange(NewDeliveries(automation, EventMapping.ToDto(e), now));
            }

            e.DispatchedAt = now;
            db.AutomationDeliveries.AddRange(deliveries);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (ex is DbUpdateConcurrencyException || (ex is DbUpdateException update && UniqueViolation.Is(update)) || UniqueViolation.IsCrossedWrite(ex))
            {
                // Another replica matched this event (or fired one of these automations) first, or both
                // wrote at once and the database rolled this one back: start again from the database
                // next time, where the other's work is visible.
                db.ChangeTracker.Clear();
                return;
            }

            foreach (var automation in automations.Where(a => deliveries.Any(d => d.AutomationId == a.Id)))
            {
                feed.Publish(new AutomationChanged(automation.Id, AutomationService.ToDto(automation)));
            }
        }
    }

    /// <summary>Deliveries due now whose lease is free (the caller attempts each with <see cref="DeliverAsync"/>).</summary>
    public async Task<IReadOnlyList<Guid>> DueAsync(CancellationToken ct)
    {
        var now = rules.Now;
        return await db.AutomationDeliveries.AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeaseUntil == null || d.LeaseUntil < now))
            .OrderBy(d => d.NextAttemptAt).Take(DeliveryBatch).Select(d => d.Id).ToListAsync(ct);
    }

    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        var done = 0;
        foreach (var id in await DueAsync(ct))
        {
            if (await DeliverAsync(id, ct))
            {
                done++;
            }
        }

        return done;
    }

    /// <summary>Attempts one delivery if this replica gets its lease; false when another has it or it is not due.</summary>
    public async Task<bool> DeliverAsync(Guid id, CancellationToken ct)
    {
        // 2. Lease.
        var now = rules.Now;
        var leaseUntil = now.AddSeconds(options.Value.LeaseSeconds);
        var taken = await db.AutomationDeliveries
            .Where(d => d.Id == id && d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeaseUntil == null || d.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseUntil, leaseUntil), ct);
        if (taken == 0)
        {
            return false;
        }

        var delivery = await db.AutomationDeliveries.AsNoTracking().FirstAsync(d => d.Id == id, ct);
        var automation = await db.Automations.AsNoTracking().FirstOrDefaultAsync(a => a.Id == delivery.AutomationId, ct);
        var attempt = delivery.Attempts + 1;

        // 3. Attempt.
        var outcome = automation is null
            ? ActionOutcome.Final(null, "The automation was deleted.", 0)
            : await actions.RunAsync(automation, delivery, attempt, ct);

        // 4. Record (on a clean context: whatever the action's services left tracked is theirs).
        db.ChangeTracker.Clear();
        db.AutomationDeliveries.Attach(delivery);
        var at = rules.Now;
        var retry = outcome.Retryable && attempt < options.Value.MaxAttempts;
        delivery.Attempts = attempt;
        delivery.LeaseUntil = null;
        delivery.Status = outcome.Succeeded ? DeliveryStatus.Succeeded : retry ? DeliveryStatus.Pending : DeliveryStatus.Failed;
        if (retry)
        {
            delivery.NextAttemptAt = at + (outcome.RetryAfter ?? Backoff(attempt));
        }

        var row = new DeliveryAttempt
        {
            DeliveryId = delivery.Id,
            AutomationId = delivery.AutomationId,
            EventId = delivery.EventId,
            ActionIndex = delivery.ActionIndex,
            ActionType = delivery.ActionType,
            Attempt = attempt,
            StatusCode = outcome.StatusCode,
            Error = outcome.Error is { Length: > 1000 } error ? error[..1000] : outcome.Error,
            DurationMs = outcome.DurationMs,
            At = at,
            Outcome = outcome.Succeeded ? "Succeeded" : retry ? "Retrying" : "Failed",
        };
        db.DeliveryAttempts.Add(row);
        await db.SaveChangesAsync(ct);
        feed.Publish(new DeliveryRecorded(AutomationService.ToDto(row)));
        return true;
    }

    /// <summary>Exponential: base, 2 x base, 4 x base ... each with +/-20 % jitter so many receivers' retries spread out.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var seconds = options.Value.RetryBaseSeconds * Math.Pow(2, attempt - 1);
#pragma warning disable CA5394 // Jitter, not security.
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
#pragma warning restore CA5394
        return TimeSpan.FromSeconds(Math.Min(seconds * jitter, 3600));
    }

    internal static List<AutomationDelivery> NewDeliveries(Automation automation, EventDto e, DateTime now)
    {
        var json = ConsoleJson.Serialize(e);
        return [.. AutomationService.StoredActions(automation).Select((a, i) => new AutomationDelivery
        {
            EventId = e.Id,
            AutomationId = automation.Id,
            ActionIndex = i,
            ActionType = a.Type ?? "unknown",
            NextAttemptAt = now,
            EventJson = json,
            CreatedAt = now,
        })];
    }
}

/// <summary>How one attempt went.</summary>
public sealed record ActionOutcome(bool Succeeded, bool Retryable, int? StatusCode, string? Error, long DurationMs, TimeSpan? RetryAfter = null)
{
    public static ActionOutcome Success(int? statusCode, long durationMs) => new(true, false, statusCode, null, durationMs);

    public static ActionOutcome Final(int? statusCode, string error, long durationMs) => new(false, false, statusCode, error, durationMs);

    public static ActionOutcome Retry(int? statusCode, string error, long durationMs, TimeSpan? after = null) => new(false, true, statusCode, error, durationMs, after);
}

using Console.Contracts.Automations;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Core.Automations;
using Console.Core.Common;
using Console.Core.Feed;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Console.Core.Events;

public sealed class EventService(ConsoleDbContext db, IChangeFeed feed, StatusRules rules, IOptions<AutomationOptions> options)
{
    public async Task<IReadOnlyList<EventDto>> ListAsync(EventQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? 100;
        if (limit is < 1 or > 1000)
        {
            throw new InvalidRequestException("limit", "The limit must be 1 to 1000.");
        }

        var events = db.Events.AsNoTracking();
        if (query.Type is { } type)
        {
            // "flowRun.*" lists a family; anything else is one type.
            events = type.EndsWith(".*", StringComparison.Ordinal) ? events.Where(e => e.Type.StartsWith(type.Substring(0, type.Length - 1))) : events.Where(e => e.Type == type);
        }

        if (query.Pool is not null) { events = events.Where(e => e.PoolName == query.Pool); }
        if (query.Deployment is { } deployment) { events = events.Where(e => e.DeploymentId == deployment); }
        if (query.FlowRun is { } run) { events = events.Where(e => e.FlowRunId == run); }
        if (query.Since is { } since)
        {
            var utc = since.ToUniversalTime();
            events = events.Where(e => e.OccurredAt >= utc);
        }

        var list = await events.OrderByDescending(e => e.Seq).Take(limit).ToListAsync(ct);
        return [.. list.Select(EventMapping.ToDto)];
    }

    /// <summary>
    /// Records an event that time alone caused, once per <paramref name="occurrenceKey"/>: replicas
    /// running the same job at the same moment insert it once (a unique index), the others skip.
    /// </summary>
    public async Task<bool> RecordOnceAsync(ConsoleEvent e, string occurrenceKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (await db.Events.AnyAsync(x => x.OccurrenceKey == occurrenceKey, ct))
        {
            return false;
        }

        e.OccurrenceKey = occurrenceKey;
        db.Events.Add(e);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
        {
            db.Entry(e).State = EntityState.Detached;
            return false;
        }

        feed.Publish(new EventRecorded(EventMapping.ToDto(e), e.PoolName));
        return true;
    }

    /// <summary>Deletes events, deliveries and their attempts older than the retention (Automations:EventRetentionDays).</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken ct = default)
    {
        var cutoff = rules.Now.AddDays(-options.Value.EventRetentionDays);
        await db.DeliveryAttempts.Where(d => d.At < cutoff).ExecuteDeleteAsync(ct);
        await db.AutomationDeliveries.Where(d => d.CreatedAt < cutoff && d.Status != DeliveryStatus.Pending).ExecuteDeleteAsync(ct);
        return await db.Events.Where(e => e.OccurredAt < cutoff).ExecuteDeleteAsync(ct);
    }
}

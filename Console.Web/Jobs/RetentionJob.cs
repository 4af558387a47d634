using Console.Contracts.FlowRuns;
using Console.Core.Events;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Console.Web.Jobs;

/// <summary>
/// Deletes ended runs (with their logs and timelines) older than the retention period, and events
/// (with automation deliveries) older than theirs (Automations:EventRetentionDays). Set-based
/// deletes against one cutoff: a second replica running it at the same moment deletes nothing more.
/// </summary>
public sealed class RetentionJob(ConsoleDbContext db, TimeProvider time, IOptions<JobOptions> options, EventService events)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await events.DeleteExpiredAsync(ct);
        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-options.Value.RetentionDays);
        var old = db.FlowRuns.Where(r => r.EndedAt != null && r.EndedAt < cutoff && FlowRunStates.Terminal.Contains(r.State));
        var ids = old.Select(r => r.Id);
        await db.LogLines.Where(l => ids.Contains(l.FlowRunId)).ExecuteDeleteAsync(ct);
        await db.FlowRunStateChanges.Where(c => ids.Contains(c.FlowRunId)).ExecuteDeleteAsync(ct);
        await db.FlowRunWaits.Where(w => ids.Contains(w.FlowRunId)).ExecuteDeleteAsync(ct);
        return await old.ExecuteDeleteAsync(ct);
    }
}

using Console.Contracts.FlowRuns;
using Console.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Diagnostics;

/// <summary>
/// How long a deployment's runs usually take, from its recent history: the median of its last
/// <see cref="Samples"/> completed runs, from claim to end (how long a run holds its slot) and from
/// claim to Running (how long its infrastructure takes to start).
/// </summary>
public static class RunDurations
{
    public const int Samples = 20;

    /// <summary>Without any completed run to learn from, a run is assumed to hold its slot this long.</summary>
    public static readonly TimeSpan DefaultHold = TimeSpan.FromSeconds(60);

    /// <summary>One deployment's usual durations; <see cref="Count"/> 0 means the defaults.</summary>
    public sealed record Usual(TimeSpan Hold, TimeSpan Startup, int Count)
    {
        public static readonly Usual Default = new(DefaultHold, TimeSpan.Zero, 0);
    }

    /// <summary>The usual durations of each deployment (one indexed query each: DeploymentId, State).</summary>
    public static async Task<Dictionary<Guid, Usual>> OfAsync(ConsoleDbContext db, IEnumerable<Guid> deploymentIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(deploymentIds);
        var answer = new Dictionary<Guid, Usual>();
        foreach (var id in deploymentIds.Distinct())
        {
            var recent = await db.FlowRuns.AsNoTracking()
                .Where(r => r.DeploymentId == id && r.State == FlowRunState.Completed && r.ClaimedAt != null && r.EndedAt != null)
                .OrderByDescending(r => r.EndedAt)
                .Take(Samples)
                .Select(r => new { ClaimedAt = r.ClaimedAt!.Value, EndedAt = r.EndedAt!.Value, r.StartedAt })
                .ToListAsync(ct);
            answer[id] = recent.Count == 0
                ? Usual.Default
                : new Usual(
                    Median(recent.Select(r => r.EndedAt - r.ClaimedAt)),
                    Median(recent.Select(r => (r.StartedAt ?? r.ClaimedAt) - r.ClaimedAt)),
                    recent.Count);
        }

        return answer;
    }

    public static TimeSpan Median(IEnumerable<TimeSpan> spans)
    {
        var sorted = spans.Select(s => s < TimeSpan.Zero ? TimeSpan.Zero : s).Order().ToList();
        if (sorted.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

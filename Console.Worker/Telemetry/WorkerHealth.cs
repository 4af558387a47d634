using Console.Worker.Hosting;
using Console.Worker.Outbox;
using Microsoft.Extensions.Options;

namespace Console.Worker.Telemetry;

/// <summary>What <c>/health</c> answers: healthy while every pool polls and its infrastructure answers.</summary>
public sealed record WorkerHealthReport(string Worker, bool IsHealthy, bool ServerReachable, IReadOnlyList<PoolHealthReport> Pools);

public sealed record PoolHealthReport(string Pool, bool IsHealthy, string? Reason, DateTimeOffset? LastPolledAt, int RunsInFlight);

/// <summary>
/// Derives the worker's health from its poll loops: a pool is unhealthy when its infrastructure
/// reports itself down (the Docker engine), or when no poll has come back for longer than a
/// long-poll plus three heartbeat intervals (the server's own rule for an Offline worker) while the
/// pool had room for runs: the server is unreachable, or the loop is stuck. A pool full of runs
/// does not poll, and is not unhealthy for it.
/// </summary>
public sealed class WorkerHealth(WorkerProcessor processor, ReportOutbox outbox, IOptions<WorkerOptions> options, TimeProvider time)
{
    public WorkerHealthReport Check()
    {
        var now = time.GetUtcNow();
        var stale = TimeSpan.FromSeconds(options.Value.PollWaitSeconds + (3 * options.Value.HeartbeatIntervalSeconds));
        var pools = processor.Pools.Select(pool =>
        {
            var running = pool.Active.Count;
            string? reason = null;
            if (!pool.Health.IsHealthy)
            {
                reason = pool.Health.Message ?? "The infrastructure is unhealthy.";
            }
            else if (pool.Loop is null or { IsCompleted: true })
            {
                reason = "The poll loop is not running.";
            }
            else if (running < options.Value.Limit && !Recent(pool.LastPolledAt ?? processor.StartedAt, now, stale))
            {
                reason = pool.LastPolledAt is { } at
                    ? $"No poll has succeeded since {at:O} ({(now - at).TotalSeconds:0} s ago)."
                    : "No poll has succeeded since the worker started.";
            }

            return new PoolHealthReport(pool.Name, reason is null, reason, pool.LastPolledAt, running);
        }).ToList();
        return new WorkerHealthReport(processor.Name, pools.Count > 0 && pools.All(p => p.IsHealthy), outbox.IsServerReachable, pools);
    }

    private static bool Recent(DateTimeOffset? at, DateTimeOffset now, TimeSpan window) => at is { } t && now - t <= window;
}

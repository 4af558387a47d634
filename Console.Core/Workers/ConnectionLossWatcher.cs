using Console.Core.Common;
using Console.Core.Events;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Core.Workers;

/// <summary>
/// A worker killed while its long-poll waits closes the connection (its kernel sends the FIN), and
/// the server sees the request aborted. If nothing more is heard from the worker within
/// <see cref="StatusOptions.ConnectionLossGraceMilliseconds"/> (a worker that only restarted its
/// poll polls again at once), it reads Offline from then on and the change is published: seconds
/// instead of three heartbeat intervals. Its next poll or heartbeat brings it back Online. Its runs
/// keep their leases: the lease reaper still goes by the heartbeat rule, so a worker whose
/// connection merely dropped keeps its running runs. The loss is a <c>worker.offline</c> event at
/// once, and the worker's return a <c>worker.online</c> one (<see cref="PoolWorker.ReturnedFromLoss"/>).
/// </summary>
public sealed partial class ConnectionLossWatcher(
    WorkerPresence presence, IServiceScopeFactory scopes, TimeProvider time, IOptions<StatusOptions> options,
    ILogger<ConnectionLossWatcher> logger, IHostApplicationLifetime? lifetime = null)
{
    // A host without a lifetime (a component test's container) never stops while it checks.
    private CancellationToken Stopping => lifetime?.ApplicationStopping ?? CancellationToken.None;

    /// <summary>The waiting poll of <paramref name="workerId"/> was aborted by its peer.</summary>
    public void PollAborted(Guid workerId)
    {
        if (Stopping.IsCancellationRequested)
        {
            return; // the server cut it, not the worker
        }

        var mark = presence.PollAborted(workerId);
        _ = Task.Run(() => CheckAfterGraceAsync(workerId, mark), Stopping);
    }

    private async Task CheckAfterGraceAsync(Guid workerId, long mark)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.ConnectionLossGraceMilliseconds), time, Stopping);
            if (!presence.MarkLostIfSilent(workerId, mark))
            {
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            var worker = await db.Workers.AsNoTracking().Include(w => w.Pool).FirstOrDefaultAsync(w => w.Id == workerId, Stopping);
            if (worker is null)
            {
                return;
            }

            LogLost(logger, worker.Name, worker.Pool.Name);
            // Automations hear of it now, not when the timed pass sees the heartbeats lapse.
            await scope.ServiceProvider.GetRequiredService<EventService>().RecordOnceAsync(
                WorkerEvents.Offline(worker, worker.Pool.Name, time.GetUtcNow().UtcDateTime), WorkerEvents.OfflineKey(worker, presence.HeartbeatAt(worker)), Stopping);
            await scope.ServiceProvider.GetRequiredService<WorkerService>().PublishAsync(worker, Stopping);
            // The pool may have just turned Not Ready.
            await scope.ServiceProvider.GetRequiredService<WorkPoolService>().PublishAsync(worker.Pool, Stopping);
        }
        catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogPublishFailed(logger, ex, workerId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} of pool {Pool} lost its connection and did not come back: Offline")]
    private static partial void LogLost(ILogger logger, string worker, string pool);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the lost connection of worker {WorkerId} failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, Guid workerId);
}

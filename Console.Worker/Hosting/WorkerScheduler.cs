using Hangfire;
using Hangfire.AspNetCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Console.Worker.Hosting;

/// <summary>
/// The worker's own Hangfire server on its own in-memory storage (never <c>JobStorage.Current</c>),
/// so it cannot clash with the web host's server and jobs when both live in one process.
/// </summary>
public sealed class WorkerScheduler(
    IServiceScopeFactory scopes,
    [FromKeyedServices(WorkerScheduler.Key)] JobStorage storage,
    [FromKeyedServices(WorkerScheduler.Key)] IRecurringJobManager recurring,
    WorkerIdentity identity,
    IOptions<WorkerOptions> options) : IDisposable
{
    /// <summary>The DI key of the worker's Hangfire services.</summary>
    public const string Key = "console-worker";

    public const string HeartbeatJob = "worker-heartbeat";
    public const string WatchdogJob = "worker-watchdog";

    /// <summary>Hangfire's default of 15 s would make a 10 s heartbeat late; 1 s keeps it on time.</summary>
    public static readonly TimeSpan SchedulePollingInterval = TimeSpan.FromSeconds(1);

    private BackgroundJobServer? _server;

    public void Start()
    {
        _server ??= new BackgroundJobServer(new BackgroundJobServerOptions
        {
            ServerName = $"console-worker-{identity.Name}",
            WorkerCount = 2,
            SchedulePollingInterval = SchedulePollingInterval,
            Activator = new AspNetCoreJobActivator(scopes),
        }, storage);
        recurring.AddOrUpdate<WorkerJobs>(HeartbeatJob, jobs => jobs.HeartbeatAsync(CancellationToken.None),
            HeartbeatCron(options.Value.HeartbeatIntervalSeconds));
        recurring.AddOrUpdate<WorkerJobs>(WatchdogJob, jobs => jobs.WatchdogAsync(CancellationToken.None), "*/15 * * * * *");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return;
        }

        _server.SendStop();
        await _server.WaitForShutdownAsync(cancellationToken);
        _server.Dispose();
        _server = null;
    }

    public void Dispose() => _server?.Dispose();

    /// <summary>A cron at most as long as the interval whose period divides the minute (or hour), so beats are never late.</summary>
    public static string HeartbeatCron(int intervalSeconds)
    {
        if (intervalSeconds < 60)
        {
            return $"*/{LargestDivisorOf60UpTo(intervalSeconds)} * * * * *";
        }

        return $"0 */{LargestDivisorOf60UpTo(intervalSeconds / 60)} * * * *";
    }

    private static int LargestDivisorOf60UpTo(int value)
    {
        for (var d = Math.Clamp(value, 1, 60); d > 1; d--)
        {
            if (60 % d == 0)
            {
                return d;
            }
        }

        return 1;
    }
}

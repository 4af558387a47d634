using Hangfire;
using Hangfire.Dashboard;

namespace Console.Web.Jobs;

/// <summary>
/// The server's periodic jobs on Hangfire (ADR 0002): in-memory storage on a single node, since
/// every job is idempotent and keeps its state in our database; PostgreSQL storage shared by the
/// replicas when the database is PostgreSQL (ADR 0004) with short lock timeouts (ADR 0006).
/// Recurring jobs (<see cref="ServerJobs"/>) are registered in the background at start, each pass
/// is recorded for the health check; the dashboard is at /hangfire for local requests.
/// </summary>
public static partial class JobsSetup
{
    public static WebApplicationBuilder AddConsoleJobs(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ForemanMemory>();
        builder.Services.AddSingleton<ServerStart>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ServerStart>());
        builder.Services.AddScoped<SchedulerJob>();
        builder.Services.AddScoped<ForemanJob>();
        builder.Services.AddScoped<LeaseReaperJob>();
        builder.Services.AddScoped<RetentionJob>();
        builder.Services.AddSingleton<AutomationsJobGate>();
        builder.Services.AddScoped<AutomationsJob>();
        builder.Services.AddScoped<TimedTriggersJob>();
        builder.Services.AddScoped<RunTimeoutJob>();
        builder.Services.AddScoped<LatePolicyJob>();
        builder.Services.AddScoped<ServerJobRunner>();
        builder.Services.AddSingleton<ServerJobClock>();
        builder.Services.AddHostedService<ServerJobMetrics>();

        var enabled = builder.Configuration.GetValue(JobOptions.Section + ":Enabled", true);
        builder.Services.AddConsoleJobStorage(builder.Configuration);
        // This host's own activator: Hangfire otherwise copies the process-wide JobActivator.Current,
        // which the last host built in the process set (another host's, possibly disposed by now).
        builder.Services.AddSingleton<JobActivator>(services =>
            new Hangfire.AspNetCore.AspNetCoreJobActivator(services.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHangfire((services, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseConsoleJobStorage(services));
        if (enabled)
        {
            builder.Services.AddHangfireServer(options =>
            {
                options.ServerName = $"console-{Environment.MachineName}";
                // The automations' dispatcher fires every second beside the four periodic jobs.
                options.WorkerCount = 3;
                // Recurring jobs fire on second-level crons; the default 15 s polling would delay them.
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
            builder.Services.AddHostedService<RecurringJobRegistration>();
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapConsoleJobs(this IEndpointRouteBuilder app)
    {
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            // Local requests only until authentication arrives; never open by default.
            Authorization = [new LocalRequestsOnlyAuthorizationFilter()],
            IsReadOnlyFunc = _ => true,
        });
        return app;
    }

    /// <summary>
    /// Registers the recurring jobs without holding up the start: registering takes Hangfire's
    /// distributed locks, which a replica killed while holding them leaves behind until they time
    /// out (docs/decisions/0006-server-job-locks.md). Until then this retries in the background and
    /// the replica serves the API and UI; the jobs already registered keep running meanwhile.
    /// </summary>
    private sealed partial class RecurringJobRegistration(
        IRecurringJobManager jobs, TimeProvider time, ILogger<RecurringJobRegistration> logger) : BackgroundService
    {
        private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var delay = TimeSpan.FromSeconds(1);
            var pending = ServerJobs.All.ToList();
            while (pending.Count > 0 && !stoppingToken.IsCancellationRequested)
            {
                foreach (var job in pending.ToList())
                {
                    try
                    {
                        var id = job.Id;
                        // Off the start path: AddOrUpdate blocks while it waits for a held lock.
                        await Task.Run(() => jobs.AddOrUpdate<ServerJobRunner>(id, r => r.RunAsync(id, CancellationToken.None), job.Cron), stoppingToken);
                        pending.Remove(job);
                    }
#pragma warning disable CA1031 // A held lock or an unreachable database: the same answer, try again later.
                    catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                    {
                        LogRetrying(logger, job.Id, ex.GetType().Name, ex.Message, delay.TotalSeconds);
                    }
                }

                if (pending.Count > 0)
                {
                    await Task.Delay(delay, time, stoppingToken);
                    delay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
                }
            }

            if (pending.Count == 0)
            {
                LogRegistered(logger, ServerJobs.All.Count);
            }
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register server job {Job} yet ({Error}: {Reason}); the replica serves requests meanwhile, next attempt in {Seconds} s")]
        private static partial void LogRetrying(ILogger logger, string job, string error, string reason, double seconds);

        [LoggerMessage(Level = LogLevel.Information, Message = "Registered the {Count} server jobs")]
        private static partial void LogRegistered(ILogger logger, int count);
    }
}

using Hangfire;
using Hangfire.Dashboard;

namespace Console.Web.Jobs;

/// <summary>
/// The server's periodic jobs on Hangfire (ADR 0002): in-memory storage on a single node, since
/// every job is idempotent and keeps its state in our database; PostgreSQL storage shared by the
/// replicas when the database is PostgreSQL (ADR 0004). Recurring jobs are registered at start;
/// the dashboard is at /hangfire for local requests.
/// </summary>
public static class JobsSetup
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
        builder.Services.AddScoped<RunTimeoutJob>();
        builder.Services.AddScoped<LatePolicyJob>();

        var enabled = builder.Configuration.GetValue(JobOptions.Section + ":Enabled", true);
        builder.Services.AddConsoleJobStorage(builder.Configuration);
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
                options.WorkerCount = 2;
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

    private sealed class RecurringJobRegistration(IRecurringJobManager jobs) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            jobs.AddOrUpdate<SchedulerJob>("scheduler", j => j.RunAsync(CancellationToken.None), "*/10 * * * * *");
            jobs.AddOrUpdate<ForemanJob>("foreman", j => j.RunAsync(CancellationToken.None), "*/5 * * * * *");
            jobs.AddOrUpdate<LeaseReaperJob>("lease-reaper", j => j.RunAsync(CancellationToken.None), "*/10 * * * * *");
            jobs.AddOrUpdate<RunTimeoutJob>("run-timeouts", j => j.RunAsync(CancellationToken.None), "*/5 * * * * *");
            jobs.AddOrUpdate<RetentionJob>("retention", j => j.RunAsync(CancellationToken.None), Cron.Hourly());
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

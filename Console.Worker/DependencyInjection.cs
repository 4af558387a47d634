using Console.Worker.Api;
using Console.Worker.Hosting;
using Console.Worker.Infrastructure;
using Console.Worker.Infrastructure.Docker;
using Console.Worker.Infrastructure.Process;
using Console.Worker.Infrastructure.Swarm;
using Console.Worker.Outbox;
using Console.Worker.Pull;
using Console.Worker.Runs;
using Console.Worker.Telemetry;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Console.Worker;

public static class DependencyInjection
{
    /// <summary>The worker for <c>Worker:Pools</c>; it runs when <c>Worker:Enabled</c> is true (web host's embedded worker, CLI <c>worker start</c>).</summary>
    public static IHostApplicationBuilder AddConsoleWorker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddConsoleWorker(builder.Configuration);
        return builder;
    }

    public static IServiceCollection AddConsoleWorker(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<WorkerOptions>()
            .Bind(configuration.GetSection(WorkerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkerIdentity>();

        services.AddHttpClient<ConsoleApiClient>((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
                http.BaseAddress = new Uri(options.ApiUrl.TrimEnd('/') + "/");
                http.Timeout = Timeout.InfiniteTimeSpan; // each call sets its own; the long-poll needs more than 100 s may allow
                if (!string.IsNullOrEmpty(options.ApiKey))
                {
                    http.DefaultRequestHeaders.Authorization = new("Bearer", options.ApiKey);
                }
            })
            // The client lives in singletons: recycle connections so DNS changes are seen.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .AddResilienceHandler("console-api", pipeline => pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            }));
        services.TryAddSingleton<IConsoleApi>(sp => sp.GetRequiredService<ConsoleApiClient>());

        // Outbox: in memory, plus a journal file when the worker has a state directory (see OutboxJournal).
        services.TryAddSingleton(sp =>
        {
            var identity = sp.GetRequiredService<WorkerIdentity>();
            var journal = identity.StateDirectory is { } dir ? new OutboxJournal(Path.Combine(dir, identity.Name)) : null;
            return new ReportOutbox(sp.GetRequiredService<IConsoleApi>(), sp.GetRequiredService<ILogger<ReportOutbox>>(), journal, sp.GetRequiredService<WorkerMetrics>(), sp.GetRequiredService<TimeProvider>());
        });

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInfrastructure, DockerInfrastructure>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInfrastructure, ProcessInfrastructure>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInfrastructure, SwarmInfrastructure>());
        services.AddMetrics();
        services.TryAddSingleton<WorkerMetrics>();
        services.TryAddSingleton<WorkerHealth>();
        services.TryAddSingleton<WorkerTelemetryServer>();
        services.TryAddSingleton<RunSupervisor>();
        services.TryAddSingleton(sp =>
        {
            // The mirrors live in the worker's state folder (so they outlive a restart), else in a temp folder of its own.
            var identity = sp.GetRequiredService<WorkerIdentity>();
            var root = identity.StateDirectory is { } dir
                ? Path.GetFullPath(Path.Combine(dir, "git"))
                : Path.Combine(Path.GetTempPath(), "console-worker-git", identity.Name);
            return new GitMirrors(root, TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<WorkerOptions>>().Value.PullTimeoutSeconds));
        });
        services.TryAddSingleton<PullStepRunner>();
        services.TryAddSingleton<InfrastructureFencer>();
        services.TryAddSingleton<WorkerDrain>();
        services.TryAddSingleton<WorkerProcessor>();

        // Hangfire of the worker's own: keyed, so the web host's JobStorage/IRecurringJobManager stay untouched.
        services.TryAddKeyedSingleton<JobStorage>(WorkerScheduler.Key, (_, _) => new InMemoryStorage(new InMemoryStorageOptions
        {
            MaxExpirationTime = TimeSpan.FromMinutes(10), // finished heartbeat jobs need not linger
        }));
        services.TryAddKeyedSingleton<IRecurringJobManager>(WorkerScheduler.Key, (sp, key) =>
            new RecurringJobManager(sp.GetRequiredKeyedService<JobStorage>(key)));
        services.TryAddKeyedSingleton<IBackgroundJobClient>(WorkerScheduler.Key, (sp, key) =>
            new BackgroundJobClient(sp.GetRequiredKeyedService<JobStorage>(key)));
        services.TryAddSingleton<WorkerScheduler>();
        services.TryAddTransient<WorkerJobs>();
        services.AddHostedService<WorkerHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerTelemetryServer>());
        return services;
    }
}

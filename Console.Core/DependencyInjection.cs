using Console.Core.Automations;
using Console.Core.Common;
using Console.Core.Events;
using Console.Core.Deployments;
using Console.Core.Diagnostics;
using Console.Core.Feed;
using Console.Core.Fencing;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.Polling;
using Console.Core.Secrets;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Console.Core.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Console.Core;

public static class DependencyInjection
{
    /// <summary>The domain, its database and the change feed.</summary>
    public static IServiceCollection AddConsoleCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StatusOptions>().BindConfiguration(StatusOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkPoolOptions>().BindConfiguration(WorkPoolOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DeploymentOptions>().BindConfiguration(DeploymentOptions.Section);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IChangeFeed, ChangeFeed>();
        // Who is calling decides what a claim answer may carry (secrets); a host without requests acts as the system.
        services.TryAddSingleton<Security.IActorAccessor, Security.SystemActorAccessor>();
        services.TryAddSingleton<WorkerPresence>();
        services.TryAddSingleton<SteadyBeats>();
        services.TryAddSingleton<WorkerRegistrar>();
        services.TryAddSingleton<StatusRules>();
        services.TryAddSingleton<ConnectionLossWatcher>();
        services.TryAddSingleton<PollWakeups>();
        services.AddHostedService<HeartbeatFlusher>();
        services.AddConsoleDiagnostics();

        services.AddConsoleDatabase(configuration);
        services.AddConsoleEvents();

        services.TryAddScoped<WorkPoolService>();
        services.TryAddScoped<WorkQueueService>();
        services.TryAddScoped<WorkerService>();
        services.TryAddScoped<DeploymentService>();
        services.TryAddScoped<Deployments.Preflight.DeploymentPreflight>();
        services.TryAddSingleton<Deployments.Preflight.IImageRegistry, Deployments.Preflight.NoImageRegistry>();
        services.TryAddSingleton<WorkerImages>();
        services.TryAddScoped<FlowRunService>();
        services.TryAddScoped<PollService>();
        services.TryAddScoped<PollAttempt>();
        services.TryAddScoped<InfrastructureFencingService>();
        services.AddConsoleSecrets();
        return services;
    }
}

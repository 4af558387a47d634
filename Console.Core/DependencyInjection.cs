using Console.Core.Common;
using Console.Core.Deployments;
using Console.Core.Diagnostics;
using Console.Core.Feed;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.Polling;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Console.Core.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Console.Core;

public static class DependencyInjection
{
    /// <summary>The domain, its database and the change feed.</summary>
    public static IServiceCollection AddConsoleCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StatusOptions>().BindConfiguration(StatusOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IChangeFeed, ChangeFeed>();
        services.TryAddSingleton<StatusRules>();
        services.TryAddSingleton<ClaimGate>();
        services.AddConsoleDiagnostics();

        var connectionString = configuration.GetConnectionString("Console") ?? DatabaseSetup.DefaultConnectionString;
        services.AddDbContext<ConsoleDbContext>((sp, options) =>
        {
            var db = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            options.UseSqlite(connectionString)
                .AddInterceptors(new SqlitePragmas(db.SqliteSynchronous));
        });

        services.TryAddScoped<IRunClaimer, RunClaimer>();
        services.TryAddScoped<WorkPoolService>();
        services.TryAddScoped<WorkQueueService>();
        services.TryAddScoped<WorkerService>();
        services.TryAddScoped<DeploymentService>();
        services.TryAddScoped<FlowRunService>();
        services.TryAddScoped<PollService>();
        return services;
    }
}

using Console.Cli.WorkPools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Spectre.Console.Cli;

namespace Console.Cli;

/// <summary>The command tree, as API.md's CLI block lists it.</summary>
public static class Commands
{
    public static void AddServices(IServiceCollection services)
    {
    }

    public static void Configure(IConfigurator config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.AddBranch("work-pool", pool =>
        {
            pool.SetDescription("Create and manage work pools");
            pool.AddCommand<WorkPoolCreateCommand>("create").WithDescription("Create a work pool")
                .WithExample("work-pool", "create", "--type", "docker", "my-docker-pool");
            pool.AddCommand<WorkPoolListCommand>("ls").WithDescription("List work pools");
            pool.AddCommand<WorkPoolInspectCommand>("inspect").WithDescription("Show a work pool and its base job template");
            pool.AddCommand<WorkPoolUpdateCommand>("update").WithDescription("Change a work pool's description, concurrency limit or base job template");
            pool.AddCommand<WorkPoolPauseCommand>("pause").WithDescription("Pause a work pool: nothing is claimed from it");
            pool.AddCommand<WorkPoolResumeCommand>("resume").WithDescription("Resume a paused work pool");
            pool.AddCommand<WorkPoolDeleteCommand>("delete").WithDescription("Delete a work pool");
            pool.AddCommand<WorkPoolDefaultTemplateCommand>("get-default-base-job-template")
                .WithDescription("Print a pool type's default base job template");
        });
    }
}

using Console.Cli.ApiKeys;
using Console.Cli.Automations;
using Console.Cli.Secrets;
using Console.Cli.Hosting;
using Console.Cli.Deploy;
using Console.Cli.Deployments;
using Console.Cli.FlowRuns;
using Console.Cli.Workers;
using Console.Cli.WorkPools;
using Console.Cli.WorkQueues;
using Console.Projects;
using Console.Projects.Images;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Spectre.Console.Cli;

namespace Console.Cli;

/// <summary>The command tree, as docs/api.md's CLI section lists it.</summary>
public static class Commands
{
    /// <summary>Services commands share; TryAdd so a test's replacements win.</summary>
    public static void AddServices(IServiceCollection services)
    {
        services.TryAddSingleton<RunWatcher>();
        services.TryAddSingleton<IWorkerRunner, WorkerRunner>();
        services.AddFlowProjects();
        services.AddOptions<ImageBuildOptions>().Configure<CliContext>((options, cli) => options.DockerHost = cli.DockerHost);
        services.TryAddSingleton<WorkerPools>();
        services.TryAddSingleton(new StandardInput());
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
        config.AddBranch("work-queue", queue =>
        {
            queue.SetDescription("Create and manage the work queues of a pool");
            queue.AddCommand<WorkQueueCreateCommand>("create").WithDescription("Create a work queue in a pool")
                .WithExample("work-queue", "create", "critical", "--pool", "my-docker-pool", "--priority", "1", "--limit", "5");
            queue.AddCommand<WorkQueueListCommand>("ls").WithDescription("List work queues (of one pool with --pool)");
            queue.AddCommand<WorkQueueInspectCommand>("inspect").WithDescription("Show a work queue");
            queue.AddCommand<WorkQueueUpdateCommand>("update").WithDescription("Change a queue's priority, limit or description");
            queue.AddCommand<WorkQueuePauseCommand>("pause").WithDescription("Pause a work queue");
            queue.AddCommand<WorkQueueResumeCommand>("resume").WithDescription("Resume a paused work queue");
            queue.AddCommand<WorkQueueDeleteCommand>("delete").WithDescription("Delete a work queue (not the default one)");
        });
        config.AddBranch("worker", worker =>
        {
            worker.SetDescription("Run, list and drain workers");
            worker.AddCommand<WorkerStartCommand>("start").WithDescription("Start a worker that polls a work pool and runs its flow runs, until Ctrl+C or SIGTERM (it drains first)")
                .WithExample("worker", "start", "--pool", "my-docker-pool")
                .WithExample("worker", "start", "--pool", "my-docker-pool", "--drain-timeout", "1800");
            worker.AddCommand<WorkerListCommand>("ls").WithDescription("List workers and their status (of one pool with --pool)");
            worker.AddCommand<WorkerDrainCommand>("drain").WithDescription("Drain a worker: it claims nothing new, finishes its runs and exits")
                .WithExample("worker", "drain", "my-docker-pool", "my-worker");
        });
        config.AddCommand<DeployCommand>("deploy")
            .WithDescription("Deploy a flow of this folder to a work pool (a wizard; --no-prompt takes flags and console.yaml)")
            .WithExample("deploy")
            .WithExample("--no-prompt", "deploy", "-n", "my-deployment", "-p", "my-docker-pool", "flow.sh");
        config.AddBranch("deployment", deployment =>
        {
            deployment.SetDescription("List, inspect, run and delete deployments");
            deployment.AddCommand<DeploymentListCommand>("ls").WithDescription("List deployments");
            deployment.AddCommand<DeploymentInspectCommand>("inspect").WithDescription("Show a deployment");
            deployment.AddCommand<DeploymentRunCommand>("run").WithDescription("Create a flow run of a deployment")
                .WithExample("deployment", "run", "get-repo-info/my-first-deployment", "--param", "repo=dotnet/runtime", "--watch");
            deployment.AddCommand<DeploymentDeleteCommand>("delete").WithDescription("Delete a deployment");
        });
        config.AddBranch("flow-run", run =>
        {
            run.SetDescription("List, inspect, follow and cancel flow runs");
            run.AddCommand<FlowRunListCommand>("ls").WithDescription("List flow runs, newest first");
            run.AddCommand<FlowRunInspectCommand>("inspect").WithDescription("Show a flow run and its state timeline");
            run.AddCommand<FlowRunLogsCommand>("logs").WithDescription("Print a flow run's logs (--follow: until it finishes)");
            run.AddCommand<FlowRunCancelCommand>("cancel").WithDescription("Cancel a flow run");
        });
        config.AddBranch("automation", automation =>
        {
            automation.SetDescription("Automations: when a trigger fires, call webhooks, run deployments, pause pools (docs/automations.md)");
            automation.AddCommand<AutomationListCommand>("ls").WithDescription("List automations");
            automation.AddCommand<AutomationInspectCommand>("inspect").WithDescription("Show an automation and its recent deliveries");
            automation.AddCommand<AutomationCreateCommand>("create").WithDescription("Create an automation from a YAML file")
                .WithExample("automation", "create", "-f", "automation.yaml");
            automation.AddCommand<AutomationEnableCommand>("enable").WithDescription("Enable an automation");
            automation.AddCommand<AutomationDisableCommand>("disable").WithDescription("Disable an automation: its trigger is ignored");
            automation.AddCommand<AutomationDeleteCommand>("delete").WithDescription("Delete an automation and its deliveries");
            automation.AddCommand<AutomationTestCommand>("test").WithDescription("Fire the automation's actions once with a sample event");
        });
        config.AddCommand<EventsCommand>("events").WithDescription("Print the event stream (--follow: live, until Ctrl+C)")
            .WithExample("events", "--type", "flowRun.stateChanged", "--follow");
        config.AddBranch("api-key", key =>
        {
            key.SetDescription("Create, list and revoke API keys (admins only)");
            key.AddCommand<ApiKeyCreateCommand>("create").WithDescription("Create an API key; the key is printed once, never again")
                .WithExample("api-key", "create", "--name", "ci-deployer", "--role", "operator", "--expires-in-days", "90");
            key.AddCommand<ApiKeyListCommand>("ls").WithDescription("List API keys (prefixes and metadata, never secrets)");
            key.AddCommand<ApiKeyRevokeCommand>("revoke").WithAlias("delete")
                .WithDescription("Revoke an API key at once, by id or prefix (also: delete); it stays listed as Revoked")
                .WithExample("api-key", "revoke", "cx_ab12cd34");
        });
        config.AddBranch("secret", secret =>
        {
            secret.SetDescription("Create, replace, list and delete secrets runs use as {{ secret.NAME }} (admins only)");
            secret.AddCommand<SecretSetCommand>("set").WithDescription("Create a secret, or replace its value; never printed back")
                .WithExample("secret", "set", "db-password", "--value-from-stdin", "--description", "the orders database");
            secret.AddCommand<SecretListCommand>("ls").WithDescription("List secrets (names and times, never values)");
            secret.AddCommand<SecretRemoveCommand>("rm").WithAlias("delete").WithDescription("Delete a secret nothing uses any more")
                .WithExample("secret", "rm", "db-password", "--yes");
        });
    }
}

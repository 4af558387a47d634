using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Projects.Git;
using Console.Projects.Flows;
using Console.Projects.Images;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Deploy;

/// <summary>
/// <c>cx deploy</c>: the seed's wizard (flow, name, schedule, work pool, custom image, save) or,
/// with <c>--no-prompt</c>, the same from flags and the project's console.yaml. Values come from
/// flags first, then the saved deployment of the same name, then prompts. The project, its
/// manifest and the request are the flow-project library's, as in the web wizard.
/// </summary>
public sealed class DeployCommand(ApiClient api, CliOutput output, CliContext cli, IImageBuilder images) : AsyncCommand<DeploySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DeploySettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var ct = cancellationToken;
        var interactive = cli.CanPrompt(output.Console);
        var prompts = new DeployPrompts(output.Console, ct);
        var project = Load(cli.WorkingDirectory);
        var saved = settings.Name is null ? null : project.FindDeployment(settings.Name, settings.Flow);

        // 1. The flow.
        var flow = await FlowAsync(settings, project, saved, interactive, prompts);

        // 2. The deployment's name; a saved deployment is the starting point, so what no flag or answer changes stays as saved.
        var name = settings.Name
            ?? (interactive ? await prompts.NameAsync("Deployment name", "default") : throw Usage("-n/--name is required: the deployment's name."));
        var deployment = saved?.Clone() ?? new ManifestDeployment();
        deployment.Name = name;
        if (saved is null || saved.Flow is not null || settings.Flow is not null || settings.Entrypoint is not null)
        {
            deployment.Flow = flow.Name;
        }

        if (settings.Entrypoint is not null)
        {
            deployment.Entrypoint = null;
        }

        deployment.Command = settings.Command ?? deployment.Command;
        deployment.Description = settings.Description ?? deployment.Description;
        ApplyRunPolicies(settings, deployment);

        // 3. Schedules.
        if (Schedules(settings) is { } schedules)
        {
            deployment.Schedules = schedules;
        }
        else if (deployment.Schedules.Count == 0 && interactive)
        {
            deployment.Schedules = await prompts.ScheduleAsync();
        }

        // 4. Work pool and queue.
        var poolName = settings.Pool ?? deployment.WorkPool?.Name;
        WorkPoolDto pool;
        if (poolName is not null)
        {
            pool = await api.GetAsync<WorkPoolDto>($"/api/work-pools/{ApiClient.Segment(poolName)}", ct);
        }
        else if (interactive)
        {
            pool = await prompts.PoolAsync(api)
                ?? throw Usage($"A deployment needs a work pool. Create one with: {cli.Command("work-pool create --type process my-pool")}");
        }
        else
        {
            throw Usage("-p/--pool is required: the work pool its runs go to.");
        }

        // Deploying again updates the deployment (as prefect deploy does), on the same pool only.
        var existing = await ExistingAsync(flow.Name, name, ct);
        if (existing is not null && existing.WorkPoolName != pool.Name)
        {
            throw new UsageException($"Deployment '{existing.FlowName}/{existing.Name}' exists on work pool '{existing.WorkPoolName}', "
                + $"not '{pool.Name}': delete it first ({cli.Command($"deployment delete '{existing.FlowName}/{existing.Name}'")}) or pick another name.");
        }

        var workPool = deployment.WorkPool ??= new ManifestWorkPool();
        workPool.Name = pool.Name;

        workPool.WorkQueueName = settings.Queue ?? workPool.WorkQueueName;
        if (workPool.WorkQueueName is null && interactive)
        {
            var queues = await api.GetAsync<List<WorkQueueDto>>($"/api/work-pools/{ApiClient.Segment(pool.Name)}/queues", ct);
            workPool.WorkQueueName = await prompts.QueueAsync(queues, pool.DefaultQueueName);
        }

        // 5. Job variables and parameters: the saved ones, overridden by flags.
        workPool.JobVariables = Merge(workPool.JobVariables, KeyValues.Parse(settings.JobVariables, "--job-variable"));
        deployment.Parameters = Merge(deployment.Parameters, KeyValues.Parse(settings.Params, "--param"));

        // 6. A custom image, for pools that run containers.
        if (deployment.Build is null && interactive && IsContainerPool(pool) && workPool.JobVariables?.ContainsKey("image") != true)
        {
            deployment.Build = await prompts.BuildAsync(name, cli.WorkingDirectory);
        }

        // 6b. Where a process pool's worker finds the code: the project's git remote, or this folder.
        if (deployment.Pull is null && pool.Type == "process")
        {
            deployment.Pull = await PullStepsAsync(interactive, prompts);
        }

        // 6c. The pool's queues as console.yaml's work_queues says (the deployment's may be one of them).
        await new ManifestQueues(api, output).ApplyAsync(project.Manifest, pool.Name, settings.DryRun, ct);

        var request = project.ToCreateRequest(deployment, flow);
        if (settings.DryRun)
        {
            if (deployment.Build is not null)
            {
                output.Note($"Dry run: the image {DeploymentMapping.ImageOf(deployment.Build, deployment.Name!)} is not built; the checks look for it as it is now.");
            }

            return await PreflightReport.RunAsync(api, output, request, ct);
        }

        if (deployment.Build is { } build)
        {
            await BuildImageAsync(project, deployment, build, request.Command, ImageBuildRequest.BaseImageOf(pool.BaseJobTemplate), ct);
        }

        // 7. Create (or update) the deployment.
        var (node, created) = await CreateOrUpdateAsync(request, existing, ct);
        var result = ApiClient.As<DeploymentDto>(node);
        var reference = $"{result.FlowName}/{result.Name}";
        output.Success($"Deployment '{reference}' successfully {(created ? "created" : "updated")} on work pool '{result.WorkPoolName}'.");
        output.Hint("To run it, use the following command:", cli.Command($"deployment run '{reference}'"));
        var workers = await api.GetAsync<List<WorkerDto>>($"/api/work-pools/{ApiClient.Segment(pool.Name)}/workers", ct);
        if (!workers.Any(w => w.Status == WorkerStatus.Online))
        {
            output.Hint($"No worker of work pool '{pool.Name}' is online yet. To run its flows, start one with:", cli.Command($"worker start --pool {pool.Name}"));
        }

        // 8. Save it for next time: only the lines of what changed are written.
        if (settings.Save || (interactive && saved is null
            && await prompts.ConfirmAsync($"Would you like to save configuration for this deployment for faster deployments in the future?", false)))
        {
            project.SaveDeployment(deployment, flow.Source == FlowSource.Manifest ? null : flow.ToManifestFlow());
            output.Success($"Saved deployment '{name}' to {FlowProject.ManifestFileName}; deploy it again with:");
            output.Line($"    [aqua]{Markup.Escape(cli.Command($"--no-prompt deploy -n {name}"))}[/]");
        }

        if (output.IsJson)
        {
            output.Json(node);
        }

        return ExitCodes.Success;
    }

    private static UsageException Usage(string message) => new(message);

    /// <summary>Run-policy flags over what console.yaml saved (the flag wins, field by field).</summary>
    private static void ApplyRunPolicies(DeploySettings settings, ManifestDeployment deployment)
    {
        if (settings.Retries is not null || settings.RetryDelay is not null)
        {
            var retries = deployment.Retries ??= new ManifestRetries();
            retries.MaxRetries = settings.Retries ?? retries.MaxRetries ?? 0;
            retries.DelaySeconds = settings.RetryDelay ?? retries.DelaySeconds;
        }

        deployment.TimeoutSeconds = settings.Timeout ?? deployment.TimeoutSeconds;
        if (settings.SkipLateAfter is not null || settings.MaxScheduled is not null)
        {
            var late = deployment.LatePolicy ??= new ManifestLatePolicy();
            late.SkipAfterSeconds = settings.SkipLateAfter ?? late.SkipAfterSeconds;
            late.MaxScheduled = settings.MaxScheduled ?? late.MaxScheduled;
        }

        deployment.CollisionStrategy = settings.ParsedCollisionStrategy ?? deployment.CollisionStrategy;
    }

    private static FlowProject Load(string folder)
    {
        try
        {
            return FlowProject.Load(folder);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    private static bool IsContainerPool(WorkPoolDto pool) =>
        pool.Type == "docker" || pool.Type.StartsWith("docker-", StringComparison.Ordinal);

    private async Task<DiscoveredFlow> FlowAsync(
        DeploySettings settings, FlowProject project, ManifestDeployment? saved, bool interactive, DeployPrompts prompts)
    {
        var flows = project.Flows;
        if (settings.Entrypoint is { } entrypoint)
        {
            var normalized = FlowDiscovery.Normalize(entrypoint);
            var known = flows.FirstOrDefault(f => f.Entrypoint == normalized && (settings.Flow is null || f.Name == settings.Flow));
            if (known is not null)
            {
                return known;
            }

            if (!File.Exists(Path.Combine(project.Folder, normalized)))
            {
                output.Note($"Note: '{entrypoint}' is not a file in {project.Folder}; the worker must find it where the flow runs.");
            }

            return new DiscoveredFlow(settings.Flow ?? FlowDiscovery.NameFromFile(normalized), normalized, FlowDiscovery.InferCommand(normalized), FlowSource.Entered);
        }

        if (settings.Flow is { } flowName)
        {
            return project.FindFlow(flowName)
                ?? throw Usage($"No flow named '{flowName}' here: {Known(flows)}. Pass its entrypoint, e.g. {cli.Command("deploy path/to/flow.sh --flow " + flowName)}.");
        }

        if (saved is not null)
        {
            return project.ResolveFlow(saved);
        }

        if (interactive)
        {
            return await prompts.FlowAsync(flows, project.Folder);
        }

        return flows.Count == 1
            ? flows[0]
            : throw Usage(flows.Count == 0
                ? $"No flow found in {project.Folder}: pass the flow's entrypoint (a file), list it in {FlowProject.ManifestFileName}, or start a file with a '# flow: name' comment."
                : $"Several flows here ({Known(flows)}): pass the entrypoint or --flow.");
    }

    private static string Known(IReadOnlyList<DiscoveredFlow> flows) =>
        flows.Count == 0 ? "none found" : "found " + string.Join(", ", flows.Select(f => $"{f.Name} ({f.Entrypoint})"));

    private static List<ManifestSchedule>? Schedules(DeploySettings settings) =>
        settings.Cron is not null ? [new ManifestSchedule { Cron = settings.Cron, Timezone = settings.Timezone }]
        : settings.Interval is { } seconds ? [new ManifestSchedule { Interval = seconds }]
        : null;

    private static JsonObject? Merge(JsonObject? saved, JsonObject? flags)
    {
        if (flags is not { Count: > 0 })
        {
            return saved;
        }

        var result = saved?.DeepClone().AsObject() ?? [];
        foreach (var (key, value) in flags)
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    private async Task BuildImageAsync(FlowProject project, ManifestDeployment deployment, ManifestBuild build, string? command, string? poolBaseImage, CancellationToken ct)
    {
        if (build.Dockerfile is { } own && own != "auto" && !File.Exists(Path.Combine(project.Folder, own)))
        {
            throw new UsageException($"The Dockerfile '{own}' named by {FlowProject.ManifestFileName}'s build section does not exist.");
        }

        var image = DeploymentMapping.ImageOf(build, deployment.Name!);
        var request = ImageBuildRequest.For(project.Folder, deployment, command, poolBaseImage, RegistryCredentials.From(cli, image));
        output.Line($"Building image [aqua]{Markup.Escape(image.ToString())}[/] from {Markup.Escape(project.Folder)} ...");
        try
        {
            await images.BuildAsync(request, line => output.Line($"[grey]{Markup.Escape(line.Text)}[/]"), ct);
            output.Success($"Built image {image}{(request.Push ? " and pushed it" : string.Empty)}.");
        }
        catch (ImageBuildException ex) when (ex.EngineUnreachable)
        {
            // Not an error of the deploy: the deployment records the image, built by hand later.
            var push = request.Push ? $" && docker push {image}" : string.Empty;
            output.Warn($"Note: the Docker engine at {cli.DockerHost} is not reachable, so the image was not built ({ex.EngineError ?? ex.Message}). "
                + $"Build it with: docker build -t {image} .{push}");
        }
        catch (ImageBuildException ex) when (ex.Stage == ImageBuildStage.Push)
        {
            throw RegistryCredentials.PushFailed(ex, image, request.Credentials);
        }
    }

    /// <summary>
    /// As Prefect does: a process pool's runs start in the project folder (setWorkingDirectory),
    /// or, when the folder is a git checkout with a remote, clone that remote's current branch
    /// (asked; without prompts only when the branch is pushed, and the choice is said).
    /// </summary>
    private async Task<List<PullStepDto>> PullStepsAsync(bool interactive, DeployPrompts prompts)
    {
        var folder = Path.GetFullPath(cli.WorkingDirectory);
        var here = new PullStepDto { SetWorkingDirectory = new SetWorkingDirectoryStep { Directory = folder } };
        var checkout = await GitCheckout.ReadAsync(folder);
        if (checkout is null)
        {
            output.Note($"Runs start in this folder ({folder}): the worker must see it at the same path.");
            return [here];
        }

        var clone = checkout.ToStep();
        var what = $"{checkout.Remote}{(checkout.Branch is { } b ? $" (branch {b})" : string.Empty)}";
        if (checkout.Warning is { } warning)
        {
            output.Warn(warning);
        }

        bool useGit;
        if (interactive)
        {
            useGit = await prompts.ConfirmAsync($"Your workers need this flow's code. Pull it from {what} when a run starts?", checkout.IsPushed);
        }
        else
        {
            useGit = checkout.IsPushed;
            output.Note(useGit
                ? $"Runs clone {what}{(clone.GitClone!.Directory is { } d ? $" and start in {d}" : string.Empty)} (the branch is pushed); add a 'pull:' list to console.yaml to choose otherwise."
                : $"Runs start in this folder ({folder}), not a clone of {what}, since the remote lacks what is here; add a 'pull:' list to console.yaml to choose otherwise.");
        }

        return [useGit ? clone : here];
    }

    private async Task<DeploymentDto?> ExistingAsync(string flow, string name, CancellationToken ct)
    {
        try
        {
            return await api.GetAsync<DeploymentDto>($"/api/deployments/by-name/{ApiClient.Segment(flow)}/{ApiClient.Segment(name)}", ct);
        }
        catch (ApiProblemException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private async Task<(JsonNode? Node, bool Created)> CreateOrUpdateAsync(CreateDeploymentRequest request, DeploymentDto? existing, CancellationToken ct)
    {
        if (existing is null)
        {
            ApiProblemException conflict;
            try
            {
                return (await api.PostAsync("/api/deployments", request, ct), true);
            }
            catch (ApiProblemException ex) when (ex.Status == 409)
            {
                conflict = ex;
            }

            // Created by someone else meanwhile: update it like any existing one.
            existing = await ExistingAsync(request.FlowName!, request.Name!, ct) ?? throw conflict;
        }

        var patch = new JsonObject
        {
            ["entrypoint"] = request.Entrypoint,
            ["command"] = request.Command,
            ["workQueueName"] = request.WorkQueueName ?? existing.WorkQueueName,
            ["jobVariables"] = request.JobVariables?.DeepClone() ?? new JsonObject(),
            ["parameters"] = request.Parameters?.DeepClone() ?? new JsonObject(),
            ["schedules"] = System.Text.Json.JsonSerializer.SerializeToNode(request.Schedules ?? [], Console.Contracts.Common.ConsoleJson.Options),
        };
        if (request.Description is not null)
        {
            patch["description"] = request.Description;
        }

        if (request.Tags is not null)
        {
            patch["tags"] = new JsonArray([.. request.Tags.Select(t => (JsonNode?)JsonValue.Create(t))]);
        }

        if (request.IsPaused is { } paused)
        {
            patch["isPaused"] = paused;
        }

        if (request.ConcurrencyLimit is { } limit)
        {
            patch["concurrencyLimit"] = limit;
        }

        // Like the concurrency limit, a run policy is changed when console.yaml or a flag gives it, and kept otherwise.
        if (request.CollisionStrategy is { } strategy)
        {
            patch["collisionStrategy"] = strategy.ToString();
        }

        if (request.Retries is { } retries)
        {
            patch["retries"] = System.Text.Json.JsonSerializer.SerializeToNode(retries, Console.Contracts.Common.ConsoleJson.Options);
        }

        if (request.TimeoutSeconds is { } timeout)
        {
            patch["timeoutSeconds"] = timeout;
        }

        if (request.LatePolicy is { } late)
        {
            patch["latePolicy"] = System.Text.Json.JsonSerializer.SerializeToNode(late, Console.Contracts.Common.ConsoleJson.Options);
        }

        if (request.PullSteps is not null)
        {
            patch["pullSteps"] = System.Text.Json.JsonSerializer.SerializeToNode(request.PullSteps, Console.Contracts.Common.ConsoleJson.Options);
        }

        return (await api.PatchAsync($"/api/deployments/{existing.Id}", patch, ct), false);
    }
}

using System.Text.Json.Nodes;
using Console.Cli.Api;
using Console.Cli.Hosting;
using Console.Cli.Output;
using Console.Contracts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Console.Cli.Deploy;

/// <summary>
/// <c>cx deploy</c>: the seed's wizard (flow, name, schedule, work pool, custom image, save) or,
/// with <c>--no-prompt</c>, the same from flags and the project's console.yaml. Values come from
/// flags first, then the saved deployment of the same name, then prompts.
/// </summary>
public sealed class DeployCommand(ApiClient api, CliOutput output, CliContext cli, IImageBuilder images) : AsyncCommand<DeploySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DeploySettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var ct = cancellationToken;
        var folder = cli.WorkingDirectory;
        var interactive = cli.CanPrompt(output.Console);
        var prompts = new DeployPrompts(output.Console, ct);
        var manifest = ProjectManifest.Load(folder);
        var flows = FlowDiscovery.Find(folder, manifest);
        var saved = manifest?.Deployments.FirstOrDefault(d =>
            d.Name is not null && d.Name == settings.Name && (settings.Flow is null || d.Flow == settings.Flow));

        // 1. The flow.
        var flow = await FlowAsync(settings, flows, saved, interactive, prompts);
        var command = settings.Command ?? saved?.Command ?? flow.Command;

        // 2. The deployment's name.
        var name = settings.Name
            ?? (interactive ? await prompts.NameAsync("Deployment name", "default") : throw Usage("-n/--name is required: the deployment's name."));

        // 3. Schedules.
        var schedules = Schedules(settings) ?? Schedules(saved) ?? (interactive ? await prompts.ScheduleAsync() : null);

        // 4. Work pool and queue.
        var poolName = settings.Pool ?? saved?.WorkPool?.Name;
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

        var queue = settings.Queue ?? saved?.WorkPool?.WorkQueueName;
        if (queue is null && interactive)
        {
            var queues = await api.GetAsync<List<WorkQueueDto>>($"/api/work-pools/{ApiClient.Segment(pool.Name)}/queues", ct);
            queue = await prompts.QueueAsync(queues, pool.DefaultQueueName);
        }

        // 5. Job variables and parameters: the saved ones, overridden by flags.
        var jobVariables = Merge(saved?.WorkPool?.JobVariables, KeyValues.Parse(settings.JobVariables, "--job-variable"));
        var parameters = Merge(saved?.Parameters, KeyValues.Parse(settings.Params, "--param"));

        // 6. A custom image, for pools that run containers.
        var build = saved?.Build;
        if (build is null && interactive && IsContainerPool(pool) && !jobVariables.ContainsKey("image"))
        {
            build = await prompts.BuildAsync(name, folder);
        }

        if (build is not null)
        {
            build.ImageName ??= name;
            jobVariables["image"] = build.Image;
            await BuildImageAsync(build, command, Worker.Images.ImageBuildRequest.BaseImageOf(pool.BaseJobTemplate), ct);
        }

        // 7. Create (or update) the deployment.
        var request = new CreateDeploymentRequest
        {
            FlowName = flow.Name,
            Name = name,
            Entrypoint = flow.Entrypoint,
            Command = command,
            WorkPoolName = pool.Name,
            WorkQueueName = queue,
            JobVariables = jobVariables.Count > 0 ? jobVariables : null,
            Parameters = parameters.Count > 0 ? parameters : null,
            Schedules = schedules,
            Description = settings.Description ?? saved?.Description,
        };
        var (node, created) = await CreateOrUpdateAsync(request, existing, ct);
        var deployment = ApiClient.As<DeploymentDto>(node);
        var reference = $"{deployment.FlowName}/{deployment.Name}";
        output.Success($"Deployment '{reference}' successfully {(created ? "created" : "updated")} on work pool '{deployment.WorkPoolName}'.");
        output.Hint("To run it, use the following command:", cli.Command($"deployment run '{reference}'"));
        var workers = await api.GetAsync<List<WorkerDto>>($"/api/work-pools/{ApiClient.Segment(pool.Name)}/workers", ct);
        if (!workers.Any(w => w.Status == WorkerStatus.Online))
        {
            output.Hint($"No worker of work pool '{pool.Name}' is online yet. To run its flows, start one with:", cli.Command($"worker start --pool {pool.Name}"));
        }

        // 8. Save it for next time.
        if (settings.Save || (interactive && saved is null
            && await prompts.ConfirmAsync($"Would you like to save configuration for this deployment for faster deployments in the future?", false)))
        {
            SaveToManifest(folder, flow, command, request, build);
            output.Success($"Saved deployment '{name}' to {ProjectManifest.FileName}; deploy it again with:");
            output.Line($"    [aqua]{Markup.Escape(cli.Command($"--no-prompt deploy -n {name}"))}[/]");
        }

        if (output.IsJson)
        {
            output.Json(node);
        }

        return ExitCodes.Success;
    }

    private static UsageException Usage(string message) => new(message);

    private static bool IsContainerPool(WorkPoolDto pool) =>
        pool.Type == "docker" || pool.Type.StartsWith("docker-", StringComparison.Ordinal);

    private async Task<DiscoveredFlow> FlowAsync(
        DeploySettings settings, IReadOnlyList<DiscoveredFlow> flows, ManifestDeployment? saved, bool interactive, DeployPrompts prompts)
    {
        if (settings.Entrypoint is { } entrypoint)
        {
            var normalized = FlowDiscovery.Normalize(entrypoint);
            var known = flows.FirstOrDefault(f => f.Entrypoint == normalized && (settings.Flow is null || f.Name == settings.Flow));
            if (known is not null)
            {
                return known;
            }

            if (!File.Exists(Path.Combine(cli.WorkingDirectory, normalized)))
            {
                output.Note($"Note: '{entrypoint}' is not a file in {cli.WorkingDirectory}; the worker must find it where the flow runs.");
            }

            return new DiscoveredFlow(settings.Flow ?? FlowDiscovery.NameFromFile(normalized), normalized, FlowDiscovery.GuessCommand(normalized), "argument");
        }

        var flowName = settings.Flow ?? saved?.Flow;
        if (flowName is not null)
        {
            return flows.FirstOrDefault(f => f.Name == flowName)
                ?? throw Usage($"No flow named '{flowName}' here: {Known(flows)}. Pass its entrypoint, e.g. {cli.Command("deploy path/to/flow.sh --flow " + flowName)}.");
        }

        if (interactive)
        {
            return await prompts.FlowAsync(flows, cli.WorkingDirectory);
        }

        return flows.Count == 1
            ? flows[0]
            : throw Usage(flows.Count == 0
                ? $"No flow found in {cli.WorkingDirectory}: pass the flow's entrypoint (a file), list it in {ProjectManifest.FileName}, or start a file with a '# flow: name' comment."
                : $"Several flows here ({Known(flows)}): pass the entrypoint or --flow.");
    }

    private static string Known(IReadOnlyList<DiscoveredFlow> flows) =>
        flows.Count == 0 ? "none found" : "found " + string.Join(", ", flows.Select(f => $"{f.Name} ({f.Entrypoint})"));

    private static List<ScheduleDto>? Schedules(DeploySettings settings) =>
        settings.Cron is not null ? [new ScheduleDto { Cron = settings.Cron, Timezone = settings.Timezone }]
        : settings.Interval is { } seconds ? [new ScheduleDto { IntervalSeconds = seconds }]
        : null;

    private static List<ScheduleDto>? Schedules(ManifestDeployment? saved) =>
        saved?.Schedules is { Count: > 0 } list
            ? [.. list.Select(s => new ScheduleDto { Cron = s.Cron, IntervalSeconds = s.Interval, Timezone = s.Timezone, Active = s.Active ?? true })]
            : null;

    private static JsonObject Merge(JsonObject? saved, JsonObject? flags)
    {
        var result = saved?.DeepClone().AsObject() ?? [];
        foreach (var (key, value) in flags ?? [])
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    private async Task BuildImageAsync(ManifestBuild build, string command, string? baseImage, CancellationToken ct)
    {
        var image = build.Image;
        var dockerfile = build.Dockerfile is null or "auto" ? null : build.Dockerfile;
        output.Line($"Building image [aqua]{Markup.Escape(image)}[/] from {Markup.Escape(cli.WorkingDirectory)} ...");
        var result = await images.BuildAsync(
            new ImageBuildRequest(cli.WorkingDirectory, dockerfile, image, build.Push ?? false, command, baseImage),
            line => output.Line($"[grey]{Markup.Escape(line)}[/]"),
            ct);
        if (result.Built)
        {
            output.Success($"Built image {image}{(build.Push == true ? " and pushed it" : string.Empty)}.");
        }
        else
        {
            output.Warn(result.Note ?? $"The image {image} was not built.");
        }
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

        return (await api.PatchAsync($"/api/deployments/{existing.Id}", patch, ct), false);
    }

    private static void SaveToManifest(string folder, DiscoveredFlow flow, string command, CreateDeploymentRequest request, ManifestBuild? build)
    {
        var deployment = new ManifestDeployment
        {
            Name = request.Name,
            Flow = flow.Name,
            Description = request.Description,
            Command = command == flow.Command ? null : command,
            WorkPool = new ManifestWorkPool
            {
                Name = request.WorkPoolName,
                WorkQueueName = request.WorkQueueName,
                JobVariables = request.JobVariables is { } variables ? Without(variables, build is null ? null : "image") : null,
            },
            Parameters = request.Parameters,
            Schedules = request.Schedules?.Select(s => new ManifestSchedule
            {
                Cron = s.Cron,
                Interval = s.IntervalSeconds,
                Timezone = s.Timezone,
                Active = s.Active ? null : false,
            }).ToList(),
            Build = build,
        };
        var flowEntry = flow.Source == ProjectManifest.FileName
            ? null
            : new ManifestFlow { Name = flow.Name, Entrypoint = flow.Entrypoint, Command = flow.Command };
        ProjectManifest.Save(folder, deployment, flowEntry);
    }

    /// <summary>The image variable is derived from the build section when there is one.</summary>
    private static JsonObject? Without(JsonObject variables, string? key)
    {
        var copy = variables.DeepClone().AsObject();
        if (key is not null)
        {
            copy.Remove(key);
        }

        return copy.Count == 0 ? null : copy;
    }
}

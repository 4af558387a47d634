using Console.Cli.Api;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts;
using Console.Projects.Flows;
using Spectre.Console;

namespace Console.Cli.Deploy;

/// <summary>The questions of the <c>deploy</c> wizard, worded as the seed tutorial's.</summary>
public sealed class DeployPrompts(IAnsiConsole console, CancellationToken ct)
{
    private static readonly DiscoveredFlow Manual = new(string.Empty, string.Empty, string.Empty, FlowSource.Entered);

    public async Task<DiscoveredFlow> FlowAsync(IReadOnlyList<DiscoveredFlow> flows, string folder)
    {
        ArgumentNullException.ThrowIfNull(flows);
        if (flows.Count > 0)
        {
            var choice = await new SelectionPrompt<DiscoveredFlow>()
                .Title("Select a flow to deploy [grey](use arrow keys)[/]:")
                .UseConverter(f => ReferenceEquals(f, Manual)
                    ? "[grey]Enter an entrypoint manually[/]"
                    : $"{Markup.Escape(f.Name)} [grey]{Markup.Escape(f.Entrypoint)} ({Source(f.Source)})[/]")
                .AddChoices(flows)
                .AddChoices(Manual)
                .ShowAsync(console, ct);
            if (!ReferenceEquals(choice, Manual))
            {
                console.MarkupLine($"Flow: [aqua]{Markup.Escape(choice.Name)}[/] [grey]({Markup.Escape(choice.Entrypoint)})[/]");
                return choice;
            }
        }
        else
        {
            console.MarkupLine($"[yellow]No flow found here[/] [grey](none in {FlowProject.ManifestFileName}, no file starts with a '# flow: name' comment)[/].");
        }

        var entrypoint = await new TextPrompt<string>("Flow entrypoint [grey](the flow's file, relative to this folder)[/]:")
            .Validate(e => File.Exists(Path.Combine(folder, FlowDiscovery.Normalize(e))) ? ValidationResult.Success() : ValidationResult.Error($"[red]No such file in {Markup.Escape(folder)}[/]"))
            .ShowAsync(console, ct);
        var name = await NameAsync("Flow name", FlowDiscovery.NameFromFile(entrypoint));
        var normalized = FlowDiscovery.Normalize(entrypoint);
        return new DiscoveredFlow(name, normalized, FlowDiscovery.InferCommand(normalized), FlowSource.Entered);
    }

    public Task<string> NameAsync(string question, string defaultValue) =>
        new TextPrompt<string>(question)
            .DefaultValue(defaultValue)
            .Validate(n => Names.IsValid(n) ? ValidationResult.Success() : ValidationResult.Error("[red]Use 1-63 lowercase letters, digits, and inner '-' or '_'.[/]"))
            .ShowAsync(console, ct);

    /// <returns>The schedules: none when the user wants none.</returns>
    public async Task<List<ManifestSchedule>> ScheduleAsync()
    {
        if (!await ConfirmAsync("Would you like to configure a schedule for this deployment?", false))
        {
            return [];
        }

        var kind = await new SelectionPrompt<string>()
            .Title("What type of schedule would you like to use?")
            .AddChoices("Interval", "Cron")
            .ShowAsync(console, ct);
        console.MarkupLine($"Schedule type: [aqua]{kind}[/]");
        if (kind == "Interval")
        {
            var seconds = await new TextPrompt<int>("Seconds between scheduled runs")
                .DefaultValue(3600)
                .Validate(s => s >= 1 ? ValidationResult.Success() : ValidationResult.Error("[red]At least 1 second.[/]"))
                .ShowAsync(console, ct);
            return [new ManifestSchedule { Interval = seconds }];
        }

        var cron = await new TextPrompt<string>("Cron string")
            .DefaultValue("0 0 * * *")
            .Validate(c => Valid(new ScheduleDto { Cron = c }))
            .ShowAsync(console, ct);
        var zone = await new TextPrompt<string>("Timezone")
            .DefaultValue("UTC")
            .Validate(z => Valid(new ScheduleDto { Cron = cron, Timezone = z }))
            .ShowAsync(console, ct);
        return [new ManifestSchedule { Cron = cron, Timezone = zone }];
    }

    /// <returns>The pool, or null when the user has none and declines to create one.</returns>
    public async Task<WorkPoolDto?> PoolAsync(ApiClient api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var pools = await api.GetAsync<List<WorkPoolDto>>("/api/work-pools", ct);
        if (pools.Count > 0)
        {
            var pool = await new SelectionPrompt<WorkPoolDto>()
                .Title("Which work pool would you like to deploy this flow to? [grey](use arrow keys)[/]")
                .UseConverter(p => $"{Markup.Escape(p.Name)} [grey]{Markup.Escape(p.Type)}, {p.Status}[/]")
                .AddChoices(pools)
                .ShowAsync(console, ct);
            console.MarkupLine($"Work pool: [aqua]{Markup.Escape(pool.Name)}[/] [grey]({Markup.Escape(pool.Type)})[/]");
            return pool;
        }

        if (!await ConfirmAsync("Looks like you don't have any work pools. Would you like to create one?", true))
        {
            return null;
        }

        var types = await api.GetAsync<List<WorkPoolTypeDto>>("/api/work-pool-types", ct);
        var type = await new SelectionPrompt<WorkPoolTypeDto>()
            .Title("What infrastructure type would you like to use for your new work pool?")
            .UseConverter(t => $"{Markup.Escape(t.DisplayName)} [grey]{Markup.Escape(t.Description)}[/]")
            .AddChoices(types)
            .ShowAsync(console, ct);
        var name = await NameAsync("Work pool name", $"my-{type.Type}-pool");
        return ApiClient.As<WorkPoolDto>(await api.PostAsync("/api/work-pools", new CreateWorkPoolRequest { Name = name, Type = type.Type }, ct));
    }

    public async Task<string?> QueueAsync(IReadOnlyList<WorkQueueDto> queues, string defaultQueue)
    {
        ArgumentNullException.ThrowIfNull(queues);
        if (queues.Count <= 1)
        {
            return null;
        }

        var ordered = queues.OrderBy(q => q.Name != defaultQueue).ThenBy(q => q.Priority).ToList();
        var queue = await new SelectionPrompt<WorkQueueDto>()
            .Title("Which work queue of the pool?")
            .UseConverter(q => $"{Markup.Escape(q.Name)} [grey]priority {q.Priority}[/]")
            .AddChoices(ordered)
            .ShowAsync(console, ct);
        console.MarkupLine($"Work queue: [aqua]{Markup.Escape(queue.Name)}[/]");
        return queue.Name;
    }

    public async Task<ManifestBuild?> BuildAsync(string deploymentName, string folder)
    {
        if (!await ConfirmAsync("Would you like to build a custom Docker image for this deployment?", false))
        {
            return null;
        }

        var repository = await new TextPrompt<string>("Repository name [grey](e.g. your Docker Hub username)[/]:")
            .AllowEmpty()
            .ShowAsync(console, ct);
        var image = await new TextPrompt<string>("Image name").DefaultValue(deploymentName).ShowAsync(console, ct);
        var tag = await new TextPrompt<string>("Image tag").DefaultValue("latest").ShowAsync(console, ct);
        var push = await ConfirmAsync("Would you like to push this image to a remote registry?", false);
        return new ManifestBuild
        {
            Dockerfile = File.Exists(Path.Combine(folder, "Dockerfile")) ? "Dockerfile" : "auto",
            Repository = string.IsNullOrWhiteSpace(repository) ? null : repository.Trim(),
            ImageName = image.Trim(),
            Tag = tag.Trim(),
            Push = push,
        };
    }

    private static string Source(FlowSource source) => source switch
    {
        FlowSource.Manifest => FlowProject.ManifestFileName,
        FlowSource.Comment => "comment",
        _ => "entered",
    };

    public Task<bool> ConfirmAsync(string question, bool defaultValue) =>
        new ConfirmationPrompt(question) { DefaultValue = defaultValue }.ShowAsync(console, ct);

    private static ValidationResult Valid(ScheduleDto schedule)
    {
        try
        {
            Schedules.Validate([schedule]);
            return ValidationResult.Success();
        }
        catch (InvalidRequestException ex)
        {
            return ValidationResult.Error($"[red]{Markup.Escape(ex.Message)}[/]");
        }
    }
}

using Bunit;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Core;
using Console.Core.Deployments;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Console.Web.Components.Security;
using Console.Web.Components.Wizard;
using Console.Web.Hosting;
using Console.Projects.Images;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using MudBlazor;
using MudBlazor.Services;

namespace Console.Tests.Web.Wizard;

/// <summary>
/// The wizard page over the real Core services and a SQLite file of its own, with the image build
/// replaced by a fake engine. Its own setup (not ComponentTestBase): the extra services must be
/// registered before the renderer locks the container.
/// </summary>
public sealed class WizardComponentTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "console-tests", "wizard-" + Guid.NewGuid().ToString("N"));
    private readonly FailingBuilder _builder = new();

    public WizardComponentTests()
    {
        Directory.CreateDirectory(_folder);
        BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Console"] = $"Data Source={Path.Combine(_folder, "console.db")}",
            })
            .Build();
        Context.Services.AddSingleton<IConfiguration>(configuration);
        Context.Services.AddLogging();
        // What every host adds and AddConsoleCore's metrics need (IMeterFactory).
        Context.Services.AddMetrics();
        Context.Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
        });
        Context.Services.AddConsoleCore(configuration);
        Context.Services.AddSingleton<IWebHostEnvironment>(new RepositoryEnvironment());
        Context.Services.AddSingleton<IImageBuilder>(_builder);
        // The wizard alone, as in an open console: everyone an admin.
        Context.Services.AddCascadingValue(_ => new ConsoleAccess(Roles.Admin, Open: true));
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    private BunitContext Context { get; } = new();

    public Task InitializeAsync() => Context.Services.MigrateConsoleDatabaseAsync();

    public async Task DisposeAsync()
    {
        await Context.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the temp folder is cleaned by the OS later.
        }
    }

    [Fact]
    public async Task A_failed_build_shows_the_engines_error_and_creates_nothing()
    {
        var pool = "dock-" + Guid.NewGuid().ToString("N")[..8];
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = pool, Type = WorkPoolTypes.Docker }));
        Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"/deployments/new?pool={pool}");
        var cut = RenderWithProviders<DeploymentWizard>();

        await NextAsync(cut, "entrypoint");
        await NextAsync(cut, "name");
        cut.Find("#wizard-name").Input("Bad Name");
        cut.WaitForAssertion(() => Assert.Contains("not a valid name", cut.Markup, StringComparison.Ordinal));
        cut.Find("#wizard-next").Click();
        cut.WaitForAssertion(() => Assert.Equal("name", Step(cut)));
        cut.Find("#wizard-name").Input("built");
        await NextAsync(cut, "schedule");
        await NextAsync(cut, "pool");
        await NextAsync(cut, "variables");
        await NextAsync(cut, "image");
        cut.Find("#wizard-build").Change(true);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#wizard-image-name")));
        await NextAsync(cut, "review");
        Assert.Contains("build:", cut.Find("[data-testid=wizard-yaml]").TextContent, StringComparison.Ordinal);

        cut.Find("#wizard-create").Click();

        cut.WaitForAssertion(() => Assert.Contains("pull access denied", cut.Find("[data-testid=wizard-build-error]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Step 1/2 : FROM nowhere/base", cut.Find("[data-testid=wizard-build-output]").TextContent, StringComparison.Ordinal);
        Assert.Equal("built:latest", _builder.Requested!.Image.ToString());
        Assert.Equal("sh get_repo_info.sh", _builder.Requested.Command);
        var deployments = await CallAsync((DeploymentService s) => s.ListAsync(pool: pool));
        Assert.Empty(deployments);
        Assert.Empty(cut.FindAll("[data-testid=wizard-created]"));
    }

    [Fact]
    public async Task The_wizard_starts_from_the_saved_deployment_and_saves_its_answers_back()
    {
        var (pool, project) = await ProcessPoolAndProjectAsync("project");
        var original = $"""
            # The team's flows: edit by hand or from the console.
            name: hello-project

            flows:
              - name: hello
                entrypoint: hello.sh

            deployments:
              # Runs every hour on the team's pool.
              - name: hourly
                flow: hello
                description: Says hello every hour.
                work_pool:
                  name: {pool}
                  job_variables:
                    working_dir: {project}
                schedules:
                  - interval: 3600
                tags: [team]

            """;
        var manifest = Path.Combine(project, "console.yaml");
        File.WriteAllText(manifest, original);
        var cut = StartFromSaved(project, "hourly");

        await NextAsync(cut, "entrypoint");
        await NextAsync(cut, "name");
        Assert.Equal("hourly", cut.Find("#wizard-name").GetAttribute("value"));
        await NextAsync(cut, "schedule");
        Assert.Equal("3600", cut.Find("#wizard-interval").GetAttribute("value"));
        cut.Find("#wizard-interval").Input("7200");
        await NextAsync(cut, "pool");
        await NextAsync(cut, "variables");
        await NextAsync(cut, "review");
        Assert.Contains(pool, cut.Find("[data-testid=wizard-summary]").TextContent, StringComparison.Ordinal);
        Assert.True(cut.Find("#wizard-save-project").HasAttribute("checked"), "saving back is the default after starting from a saved deployment");

        cut.Find("#wizard-create").Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=wizard-created]")));
        var created = Assert.Single(await CallAsync((DeploymentService s) => s.ListAsync(pool: pool)));
        Assert.Equal("hourly", created.Name);
        Assert.Equal(7200, Assert.Single(created.Schedules).IntervalSeconds);
        // Only the changed answer's line differs: comments, blank lines, the description and tags stay.
        Assert.Equal(original.Replace("interval: 3600", "interval: 7200", StringComparison.Ordinal), File.ReadAllText(manifest));
    }

    [Fact]
    public async Task A_process_pool_starts_in_the_project_folder_and_offers_its_git_remote_warning_of_unpushed_commits()
    {
        var pool = "proc-" + Guid.NewGuid().ToString("N")[..8];
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = pool, Type = WorkPoolTypes.Process }));
        await CallAsync((Console.Core.Secrets.SecretService s) => s.CreateAsync(new CreateSecretRequest { Name = "git-token", Value = "t0ken-value" }));
        // A real checkout: its remote's branch is one commit behind.
        var project = Directory.CreateDirectory(Path.Combine(_folder, "checkout")).FullName;
        File.WriteAllText(Path.Combine(project, "hello.sh"), "echo hello\n");
        File.WriteAllText(Path.Combine(project, "console.yaml"), "flows:\n  - name: hello\n    entrypoint: hello.sh\n");
        await Infrastructure.GitServer.GitAsync(project, "init", "--quiet", "--initial-branch=main");
        await Infrastructure.GitServer.GitAsync(project, "remote", "add", "origin", "https://git.example.org/team/flows.git");
        foreach (var message in new[] { "first", "second" })
        {
            File.AppendAllText(Path.Combine(project, "hello.sh"), $"# {message}\n");
            await Infrastructure.GitServer.GitAsync(project, "add", "--all");
            await Infrastructure.GitServer.GitAsync(project, "-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "--quiet", "-m", message);
        }

        await Infrastructure.GitServer.GitAsync(project, "update-ref", "refs/remotes/origin/main", "HEAD~1");
        Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"/deployments/new?pool={pool}");
        var cut = RenderWithProviders<DeploymentWizard>();
        cut.Find("#wizard-project-path").Input(project);
        cut.Find("#wizard-project-load").Click();
        await NextAsync(cut, "entrypoint");
        await NextAsync(cut, "name");
        cut.Find("#wizard-name").Input("from-git");
        await NextAsync(cut, "schedule");
        await NextAsync(cut, "pool");

        // By default the runs start in the project folder; the checkout's remote is offered, no warning yet.
        cut.WaitForAssertion(() => Assert.Equal(project, cut.Find("#wizard-working-directory").GetAttribute("value")));
        Assert.Contains("https://git.example.org/team/flows.git", cut.Find("[data-testid=wizard-git-offer]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=wizard-git-warning]"));

        cut.Find("[data-testid=wizard-git-use-remote] button, button[data-testid=wizard-git-use-remote]").Click();
        cut.WaitForAssertion(() => Assert.Contains("1 commit(s) the remote does not have", cut.Find("[data-testid=wizard-git-warning]").TextContent, StringComparison.Ordinal));
        Assert.Equal("https://git.example.org/team/flows.git", cut.Find("#wizard-git-repository").GetAttribute("value"));
        Assert.Equal("main", cut.Find("#wizard-git-branch").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=wizard-git-offer]"));
        // An admin picks the credentials secret from the names (never a value).
        Assert.NotNull(cut.Find("[data-testid=wizard-git-secret]"));
        Assert.DoesNotContain("t0ken-value", cut.Markup, StringComparison.Ordinal);

        await NextAsync(cut, "variables");
        await NextAsync(cut, "review");
        Assert.Contains("git_clone:", cut.Find("[data-testid=wizard-yaml]").TextContent, StringComparison.Ordinal);
        cut.Find("#wizard-create").Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=wizard-created]")));
        var created = Assert.Single(await CallAsync((DeploymentService s) => s.ListAsync(pool: pool)));
        Assert.Equal(new Console.Contracts.Deployments.GitCloneStep { Repository = "https://git.example.org/team/flows.git", Branch = "main" },
            Assert.Single(created.PullSteps).GitClone);
    }

    [Fact]
    public async Task The_wizards_policy_fields_start_from_the_saved_policies_and_an_unchanged_retry_policy_keeps_its_lines()
    {
        var (pool, project) = await ProcessPoolAndProjectAsync("policies");
        var original = $"""
            name: hello-project

            flows:
              - name: hello
                entrypoint: hello.sh

            deployments:
              - name: careful
                flow: hello
                work_pool:
                  name: {pool}
                  job_variables:
                    working_dir: {project}
                retries:
                  max_retries: 2
                  on: [TimedOut, Failed]   # not Crashed: the team's flows are not idempotent
                concurrency_limit: 2
                collision_strategy: CancelNew

            """;
        var manifest = Path.Combine(project, "console.yaml");
        File.WriteAllText(manifest, original);
        var cut = StartFromSaved(project, "careful");
        await NextAsync(cut, "entrypoint");
        await NextAsync(cut, "name");
        await NextAsync(cut, "schedule");

        // The saved policies, with the defaults of what it leaves out.
        Assert.Equal("2", cut.Find("#policy-max-retries").GetAttribute("value"));
        Assert.Equal("10", cut.Find("#policy-retry-delay").GetAttribute("value"));
        Assert.Null(cut.Find("[data-testid=policy-retry-on-crashed] input").GetAttribute("checked"));
        Assert.NotNull(cut.Find("[data-testid=policy-retry-on-timedout] input").GetAttribute("checked"));
        Assert.Equal("2", cut.Find("#policy-concurrency").GetAttribute("value"));
        // A timeout added; the limit cleared while CancelNew is chosen: the strategy goes with it, nothing is refused.
        cut.Find("#policy-timeout").Input("30");
        cut.Find("#policy-concurrency").Input("");
        cut.WaitForAssertion(() => Assert.True(cut.Find("#policy-collision").HasAttribute("disabled")));
        await NextAsync(cut, "pool");
        await NextAsync(cut, "variables");
        await NextAsync(cut, "review");
        cut.Find("#wizard-create").Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=wizard-created]")));
        var created = Assert.Single(await CallAsync((DeploymentService s) => s.ListAsync(pool: pool)));
        Assert.Equal((2, 30, (int?)null, CollisionStrategy.Enqueue), (created.Retries!.MaxRetries, created.TimeoutSeconds!.Value, created.ConcurrencyLimit, created.CollisionStrategy));
        Assert.Equal([FlowRunState.Failed, FlowRunState.TimedOut], created.Retries.On);
        // The unchanged retry policy keeps its lines and comment; only the timeout and the limit changed.
        var saved = File.ReadAllText(manifest);
        Assert.Contains("    retries:\n      max_retries: 2\n      on: [TimedOut, Failed]   # not Crashed: the team's flows are not idempotent\n", saved, StringComparison.Ordinal);
        Assert.Contains("timeout_seconds: 30", saved, StringComparison.Ordinal);
        Assert.DoesNotContain("concurrency_limit", saved, StringComparison.Ordinal);
        Assert.DoesNotContain("CancelNew", saved, StringComparison.Ordinal);
    }

    /// <summary>A process pool and a project folder with a flow script, for a console.yaml the test writes.</summary>
    private async Task<(string Pool, string Project)> ProcessPoolAndProjectAsync(string folder)
    {
        var pool = "proc-" + Guid.NewGuid().ToString("N")[..8];
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = pool, Type = WorkPoolTypes.Process }));
        var project = Directory.CreateDirectory(Path.Combine(_folder, folder)).FullName;
        File.WriteAllText(Path.Combine(project, "hello.sh"), "echo hello\n");
        return (pool, project);
    }

    /// <summary>The wizard with the project loaded and its saved deployment <paramref name="name"/> picked.</summary>
    private IRenderedComponent<DeploymentWizard> StartFromSaved(string project, string name)
    {
        Context.Services.GetRequiredService<NavigationManager>().NavigateTo("/deployments/new");
        var cut = RenderWithProviders<DeploymentWizard>();
        cut.Find("#wizard-project-path").Input(project);
        cut.Find("#wizard-project-load").Click();
        cut.WaitForAssertion(() => Assert.Contains("saves a deployment", cut.Find("[data-testid=wizard-saved]").TextContent, StringComparison.Ordinal));
        cut.Find($"#wizard-saved-{name}").Click();
        cut.WaitForAssertion(() => Assert.Contains($"Started from the deployment '{name}'", cut.Find("[data-testid=wizard-saved]").TextContent, StringComparison.Ordinal));
        return cut;
    }

    private async Task<T> CallAsync<TService, T>(Func<TService, Task<T>> call)
        where TService : notnull
    {
        await using var scope = Context.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    private IRenderedComponent<TComponent> RenderWithProviders<TComponent>()
        where TComponent : IComponent
    {
        Context.Render<MudPopoverProvider>();
        Context.Render<MudSnackbarProvider>();
        return Context.Render<TComponent>();
    }

    private static string? Step(IRenderedComponent<DeploymentWizard> cut) => cut.Find("[data-testid=wizard]").GetAttribute("data-step");

    private static Task NextAsync(IRenderedComponent<DeploymentWizard> cut, string expected)
    {
        cut.Find("#wizard-next").Click();
        cut.WaitForAssertion(() => Assert.Equal(expected, Step(cut)));
        return Task.CompletedTask;
    }

    private sealed class FailingBuilder : IImageBuilder
    {
        public ImageBuildRequest? Requested { get; private set; }

        public Task<ImageBuildResult> BuildAsync(ImageBuildRequest request, Action<ImageBuildLine> onLine, CancellationToken cancellationToken)
        {
            Requested = request;
            onLine(new ImageBuildLine(ImageBuildStage.Build, "Step 1/2 : FROM nowhere/base"));
            onLine(new ImageBuildLine(ImageBuildStage.Build, "pull access denied for nowhere/base", IsError: true));
            throw new ImageBuildException("Building image built:latest failed: pull access denied for nowhere/base", "pull access denied for nowhere/base");
        }
    }

    private sealed class RepositoryEnvironment : IWebHostEnvironment
    {
        public string WebRootPath { get; set; } = string.Empty;

        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();

        public string ApplicationName { get; set; } = "Console.Web";

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();

        public string ContentRootPath { get; set; } = ContentRoot.Find();

        public string EnvironmentName { get; set; } = "Development";
    }
}

using Bunit;
using Console.Core;
using Console.Contracts.Security;
using Console.Core.Persistence;
using Console.Core.Security;
using Console.Web.Components.Security;
using Console.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using MudBlazor.Services;

namespace Console.Tests.Web.Components;

/// <summary>
/// bUnit over the real Core services and a SQLite file of the test's own (created only when a
/// test touches the database), a fake clock, MudBlazor without transitions, and loose JS interop.
/// MudBlazor's services are IAsyncDisposable only, so the context is disposed asynchronously.
/// </summary>
public abstract class ComponentTestBase : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "console-tests", "bunit-" + Guid.NewGuid().ToString("N"));

    protected ComponentTestBase()
        : this(configure: null)
    {
    }

    /// <summary>With <paramref name="configure"/> adding or replacing services before the renderer locks them.</summary>
    protected ComponentTestBase(Action<IServiceCollection>? configure)
    {
        Directory.CreateDirectory(_folder);
        // Waits end as soon as their condition holds; the bound only matters on a loaded machine.
        BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        Context.Services.AddSingleton<TimeProvider>(Time);
        Context.Services.AddLogging();
        Context.Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
        });
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Console"] = $"Data Source={Path.Combine(_folder, "console.db")}",
            })
            .Build();
        Context.Services.AddSingleton<IConfiguration>(configuration);
        // Core's metrics take the host's IMeterFactory (ConsoleMetrics), as every real host registers it.
        Context.Services.AddMetrics();
        Context.Services.AddConsoleCore(configuration);
        // Components alone render as in an open console (everyone an admin); a test that wants
        // another role cascades its own ConsoleAccess, and the layout resolves it as a circuit does.
        Context.Services.AddCascadingValue(_ => new ConsoleAccess(Roles.Admin, Open: true));
        Context.Services.AddOptions<SecurityOptions>();
        Context.Services.TryAddSingleton<CredentialState>();
        Context.Services.TryAddSingleton<ListenState>();
        Context.Services.TryAddSingleton<SecurityGate>();
        // The layout shows admins overdue server jobs: a single node's in-memory job storage.
        Context.Services.AddSingleton<Hangfire.JobStorage>(new Hangfire.InMemory.InMemoryStorage());
        Context.Services.AddSingleton<Console.Web.Jobs.ServerStart>();
        Context.Services.AddSingleton<Console.Web.Jobs.ServerJobClock>();
        configure?.Invoke(Context.Services);

        // Both reach into the renderer, which locks the services: register everything first.
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected BunitContext Context { get; } = new();

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Whether the test class needs the database (migrated before each test).</summary>
    protected virtual bool UsesDatabase => false;

    public virtual async Task InitializeAsync()
    {
        if (UsesDatabase)
        {
            await Context.Services.MigrateConsoleDatabaseAsync();
        }
    }

    public virtual async Task DisposeAsync()
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

    /// <summary>Runs a Core service in a scope of its own, as the components do.</summary>
    protected async Task<T> CallAsync<TService, T>(Func<TService, Task<T>> call)
        where TService : notnull
    {
        await using var scope = Context.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>Renders MudBlazor's providers (popovers, dialogs, snackbars), then the component.</summary>
    protected IRenderedComponent<TComponent> RenderWithProviders<TComponent>(Action<ComponentParameterCollectionBuilder<TComponent>>? parameters = null)
        where TComponent : IComponent
    {
        Context.Render<MudPopoverProvider>();
        Dialogs = Context.Render<MudDialogProvider>();
        Context.Render<MudSnackbarProvider>();
        return Context.Render(parameters ?? (_ => { }));
    }

    /// <summary>Where dialogs render, once <see cref="RenderWithProviders{TComponent}"/> ran.</summary>
    protected IRenderedComponent<MudDialogProvider>? Dialogs { get; private set; }
}

using Bunit;
using Console.Contracts.Security;
using Console.Core;
using Console.Core.Persistence;
using Console.Core.Security;
using Console.Web.Components.Security;
using Console.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using MudBlazor.Services;

namespace Console.Tests.Security;

/// <summary>The keys and audit pages over the real services: admins create keys (shown once); others are turned away.</summary>
#pragma warning disable CA1001 // xunit disposes the context through IAsyncLifetime.DisposeAsync (MudBlazor's services are async-only).
public sealed class SecurityPagesTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "console-tests", "bunit-sec-" + Guid.NewGuid().ToString("N"));
    private readonly BunitContext _context = new();
    private bool _providers;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the OS later.
        }
    }

    [Fact]
    public async Task An_admin_creates_a_key_that_is_shown_once_and_stored_as_a_hash()
    {
        await SetUpAsync("alice", Roles.Admin);
        var page = Render<ApiKeysPage>();

        page.WaitForElement("#key-name").Change("deploy bot");
        page.Find("#key-create").Click();

        var secret = page.WaitForElement("#shown-once-secret").GetAttribute("value")!;
        Assert.StartsWith("cx_", secret, StringComparison.Ordinal);
        page.WaitForAssertion(() => Assert.Contains("deploy bot", page.Find("[data-testid=keys-table]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, page.Find("[data-testid=keys-table]").TextContent, StringComparison.Ordinal);

        await using var scope = _context.Services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().ApiKeys.SingleAsync();
        Assert.Equal(ApiKeySecrets.Hash(secret), stored.SecretHash);
        Assert.Equal(new DateTime(2026, 4, 5, 12, 0, 0, DateTimeKind.Utc), stored.ExpiresAt); // 90 days on the fake clock
    }

    [Fact]
    public async Task A_viewer_is_turned_away_from_keys_and_audit()
    {
        await SetUpAsync("victor", Roles.Viewer);
        Render<ApiKeysPage>().WaitForElement("[data-testid=keys-forbidden]");
        Render<AuditLogPage>().WaitForElement("[data-testid=audit-forbidden]");
        Render<SecretsPage>().WaitForElement("[data-testid=secrets-forbidden]");
    }

    [Fact]
    public async Task An_admin_creates_replaces_and_deletes_a_secret_sees_where_it_is_used_and_never_sees_a_value()
    {
        await SetUpAsync("alice", Roles.Admin);
        var page = Render<SecretsPage>();
        const string Value = "page-value-0123456789";
        page.WaitForElement("#secret-name").Change("api-token");
        page.Find("#secret-value").Change(Value);
        page.Find("#secret-description").Change("the partner API");
        page.Find("#secret-create").Click();
        page.WaitForAssertion(() => Assert.Contains("api-token", page.Find("[data-testid=secrets-table]").TextContent, StringComparison.Ordinal));
        Assert.Contains("not used", page.Find("[data-testid=secret-usage]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, page.Markup, StringComparison.Ordinal);

        await using (var scope = _context.Services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Console.Core.WorkPools.WorkPoolService>().CreateAsync(new Console.Contracts.CreateWorkPoolRequest { Name = "page-pool", Type = "process" });
            await scope.ServiceProvider.GetRequiredService<Console.Core.Deployments.DeploymentService>().CreateAsync(new Console.Contracts.CreateDeploymentRequest
            {
                FlowName = "etl", Name = "nightly", Entrypoint = "flow.sh", WorkPoolName = "page-pool",
                JobVariables = new System.Text.Json.Nodes.JsonObject { ["env"] = new System.Text.Json.Nodes.JsonObject { ["TOKEN"] = "{{ secret.api-token }}" } },
            });
        }

        page.Find("[data-testid=secret-replace]").Click();
        page.WaitForElement("#secret-new-value").Change("page-value-replaced-987");
        page.Find("#secret-replace-save").Click();
        page.WaitForAssertion(() => Assert.Contains("deployment 'etl/nightly'", page.Find("[data-testid=secret-usage]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("page-value-replaced-987", page.Markup, StringComparison.Ordinal);

        page.Find("[data-testid=secret-delete]").Click();
        page.WaitForAssertion(() => Assert.Contains("in use by deployment 'etl/nightly'", page.Find("[data-testid=secrets-error]").TextContent, StringComparison.Ordinal));
        Assert.Contains("api-token", page.Find("[data-testid=secrets-table]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_console_says_the_first_key_turns_sign_in_on()
    {
        await SetUpAsync(null, null);
        Render<ApiKeysPage>().WaitForElement("[data-testid=open-console]");
    }

    private async Task SetUpAsync(string? user, string? role)
    {
        var services = _context.Services;
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging();
        // Core's metrics take the host's IMeterFactory, as every real host registers it (the secrets test creates a deployment).
        services.AddMetrics();
        services.AddMudServices(o => o.SnackbarConfiguration.ShowTransitionDuration = o.SnackbarConfiguration.HideTransitionDuration = 0);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Console"] = $"Data Source={Path.Combine(_folder, "console.db")}" })
            .Build();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddConsoleCore(configuration);
        services.AddConsoleSecurityCore();
        services.AddOptions<SecurityOptions>();
        services.AddSingleton<ListenState>();
        services.AddSingleton<SecurityGate>();
        var auth = _context.AddAuthorization();
        if (user is not null)
        {
            auth.SetAuthorized(user);
            auth.SetRoles(role!);
        }

        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        await services.MigrateConsoleDatabaseAsync();
    }

    private IRenderedComponent<TComponent> Render<TComponent>()
        where TComponent : IComponent
    {
        if (!_providers)
        {
            _context.Render<MudPopoverProvider>();
            _context.Render<MudSnackbarProvider>();
            _providers = true;
        }

        return _context.Render<TComponent>();
    }
}

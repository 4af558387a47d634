using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Core.Persistence;
using Console.Core.Persistence.Postgres;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>What each database provider must give the services alike: its own complete migrations, UTC times, audited writes.</summary>
public abstract class DatabaseProviderTests(ApiFactory factory) : ApiTestBase(factory)
{
    protected abstract Type ExpectedContext { get; }

    [Fact]
    public async Task The_start_up_migrations_are_the_providers_own_and_match_the_model()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        Assert.IsType(ExpectedContext, db);
        Assert.NotEmpty(await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.False(db.Database.HasPendingModelChanges(), "the model has changes that no migration of this provider captures");
    }

    [Fact]
    public async Task Times_come_back_as_the_same_instants_in_utc()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var start = new DateTimeOffset(2030, 6, 1, 14, 30, 15, 123, TimeSpan.FromHours(2));
        var run = await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = start.UtcDateTime });

        var json = (await GetAsync<JsonObject>($"/api/flow-runs/{run.Id}"));
        Assert.Equal("2030-06-01T12:30:15.123Z", json["expectedStartAt"]!.GetValue<string>());
        Assert.EndsWith("Z", json["createdAt"]!.GetValue<string>(), StringComparison.Ordinal);

        await using var scope = Factory.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().FlowRuns.AsNoTracking().SingleAsync(r => r.Id == run.Id);
        Assert.Equal((DateTimeKind.Utc, start.UtcDateTime), (stored.ExpectedStartAt.Kind, stored.ExpectedStartAt));
        Assert.Equal(DateTimeKind.Utc, stored.CreatedAt.Kind);
    }

    [Fact]
    public async Task Writes_pass_through_the_security_interceptor_and_are_audited()
    {
        var pool = await CreatePoolAsync(type: "process");

        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.ResourceName == pool.Name), "creating a pool must leave an audit entry");
    }
}

public sealed class SqliteDatabaseProviderTests(ApiFactory factory) : DatabaseProviderTests(factory), IClassFixture<ApiFactory>
{
    protected override Type ExpectedContext => typeof(ConsoleDbContext);
}

public sealed class PostgresDatabaseProviderTests(PostgresApiFactory factory) : DatabaseProviderTests(factory), IClassFixture<PostgresApiFactory>
{
    protected override Type ExpectedContext => typeof(PostgresConsoleDbContext);

    /// <summary>
    /// A statement the server sends again and again is parsed and planned by PostgreSQL once per
    /// connection, not every time. The test's connection string names no such setting, as an
    /// operator's rarely does.
    /// </summary>
    [Fact]
    public async Task Statements_the_server_repeats_are_prepared_on_its_connections()
    {
        var pool = await CreatePoolAsync(type: "process");
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        await db.Database.OpenConnectionAsync(); // the same connection for every statement below
        for (var i = 0; i < 8; i++)
        {
            Assert.NotNull(await db.WorkPools.AsNoTracking().SingleOrDefaultAsync(p => p.Name == pool.Name));
        }

        var prepared = await db.Database
            .SqlQueryRaw<string>("SELECT statement AS \"Value\" FROM pg_prepared_statements")
            .ToListAsync();
        Assert.Contains(prepared, s => s.Contains("FROM \"WorkPools\"", StringComparison.Ordinal));
    }
}

/// <summary>A misconfigured database stops the start with a message that names the setting.</summary>
public sealed class DatabaseConfigurationTests
{
    [Fact]
    public void An_unknown_provider_is_refused_by_name()
    {
        using var factory = new ConfiguredFactory(new() { ["Database:Provider"] = "Oracle" });
        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());
        Assert.Contains("Database:Provider is 'Oracle'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_without_a_connection_string_is_refused_by_name()
    {
        using var factory = new ConfiguredFactory(new() { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Console"] = null });
        var error = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());
        Assert.Contains("ConnectionStrings:Console is not set", error.Message, StringComparison.Ordinal);
    }

    private sealed class ConfiguredFactory(Dictionary<string, string?> settings) : ApiFactory
    {
        protected override IDictionary<string, string?> Settings => settings;
    }
}

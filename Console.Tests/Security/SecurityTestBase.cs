using Console.Contracts.Security;
using Console.Core.Persistence;
using Console.Tests.Api;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Security;

/// <summary>The REST helpers of <see cref="ApiTestBase"/>, with <c>Client</c> holding an admin key.</summary>
public abstract class SecurityTestBase(SecureApiFactory factory) : ApiTestBase(factory), IAsyncLifetime
{
    protected new SecureApiFactory Factory { get; } = factory;

    public record Rows(int Pools, int Queues, int Workers, int Deployments, int Runs, int StateChanges, int Logs, int Keys, int Users, int Audit);

    public async Task InitializeAsync() =>
        Client.DefaultRequestHeaders.Authorization = new("Bearer", await Factory.KeyAsync(Roles.Admin));

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Every table, the audit log included: a refused request must not even be audited.</summary>
    protected async Task<Rows> RowsAsync()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        return new Rows(await db.WorkPools.CountAsync(), await db.WorkQueues.CountAsync(), await db.Workers.CountAsync(),
            await db.Deployments.CountAsync(), await db.FlowRuns.CountAsync(), await db.FlowRunStateChanges.CountAsync(),
            await db.LogLines.CountAsync(), await db.ApiKeys.CountAsync(), await db.Users.CountAsync(), await db.AuditEntries.CountAsync());
    }
}

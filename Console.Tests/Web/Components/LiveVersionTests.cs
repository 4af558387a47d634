using Bunit;
using Console.Contracts;
using Console.Contracts.Feed;
using Console.Core.Deployments;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Console.Web.Components.Deployments;
using Console.Web.Components.WorkPools;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Web.Components;

/// <summary>
/// Pages never go back to an older copy of a pool or deployment (an event relayed late by another
/// replica), and after missed events (<see cref="FeedResync"/>) they read what they show again.
/// </summary>
public sealed class LiveVersionTests : ComponentTestBase
{
    protected override bool UsesDatabase => true;

    private IChangeFeed Feed => Context.Services.GetRequiredService<IChangeFeed>();

    [Fact]
    public async Task The_pool_page_drops_a_late_older_pool_and_reloads_after_a_resync()
    {
        var created = await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "versioned", Type = "process" }));
        var page = RenderWithProviders<WorkPoolPage>(p => p.Add(c => c.Pool, "versioned"));
        var paused = await CallAsync((WorkPoolService s) => s.UpdateAsync("versioned", new UpdateWorkPoolRequest { IsPaused = true }));
        Assert.True(paused.Version > created.Version, $"the version did not grow: {created.Version} -> {paused.Version}");
        page.WaitForAssertion(() => Assert.Equal("Paused", page.Find("[data-testid=pool-status]").GetAttribute("data-status")));

        // The create's event arrives late (the renderer applies it before Publish returns): dropped.
        Feed.Publish(new PoolChanged(created));
        Assert.Equal("Paused", page.Find("[data-testid=pool-status]").GetAttribute("data-status"));

        // A write nobody published, then the feed's resync: the page reads the pool again.
        await WriteBehindThePageAsync(db => db.WorkPools.Where(p => p.Name == "versioned")
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.Description, "written while the feed was down")));
        Feed.Publish(new FeedResync());

        page.WaitForAssertion(() => Assert.Contains("written while the feed was down", page.Markup, StringComparison.Ordinal));
        Assert.Equal("Paused", page.Find("[data-testid=pool-status]").GetAttribute("data-status"));
    }

    [Fact]
    public async Task The_deployments_table_keeps_the_newer_deployment_and_reloads_after_a_resync()
    {
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "dep-versions", Type = "process" }));
        var created = await CallAsync((DeploymentService s) => s.CreateAsync(new CreateDeploymentRequest
        {
            FlowName = "etl",
            Name = "nightly",
            WorkPoolName = "dep-versions",
            Entrypoint = "etl.sh",
            Command = "true",
        }));
        var table = RenderWithProviders<DeploymentTable>();
        table.WaitForAssertion(() => Assert.Single(table.FindAll("[data-testid=deployment-link]")));
        await CallAsync((DeploymentService s) => s.UpdateAsync(created.Id, new UpdateDeploymentRequest { Description = "the newer one" }));
        table.WaitForAssertion(() => Assert.Contains("the newer one", table.Markup, StringComparison.Ordinal));

        Feed.Publish(new DeploymentChanged(created));
        Assert.Contains("the newer one", table.Markup, StringComparison.Ordinal);

        await WriteBehindThePageAsync(db => db.Deployments.ExecuteUpdateAsync(u => u.SetProperty(d => d.Name, "renamed-behind")));
        Feed.Publish(new FeedResync());

        table.WaitForAssertion(() => Assert.Contains("etl/renamed-behind", table.Markup, StringComparison.Ordinal));
        Assert.Contains("the newer one", table.Markup, StringComparison.Ordinal);
    }

    private async Task WriteBehindThePageAsync(Func<ConsoleDbContext, Task<int>> write)
    {
        await using var scope = Context.Services.CreateAsyncScope();
        Assert.Equal(1, await write(scope.ServiceProvider.GetRequiredService<ConsoleDbContext>()));
    }
}

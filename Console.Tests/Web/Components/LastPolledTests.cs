using Bunit;
using Console.Contracts;
using Console.Core.Persistence;
using Console.Core.Polling;
using Console.Core.WorkPools;
using Console.Web.Components.Shared;
using Console.Web.Components.Workers;
using Console.Web.Components.WorkPools;
using Console.Web.Components.WorkQueues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Web.Components;

/// <summary>"Last polled" moves on every page from the one change a poll publishes, without reading the lists again.</summary>
public sealed class LastPolledTests : ComponentTestBase
{
    protected override bool UsesDatabase => true;

    [Fact]
    public async Task A_poll_moves_last_polled_on_the_pools_queues_and_workers_alike()
    {
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "stamps", Type = "process" }));
        await PollAsync("stamps", "w1");
        var pools = RenderWithProviders<WorkPoolsPage>();
        var queues = Context.Render<QueueTable>(p => p.Add(t => t.Pool, "stamps"));
        var workers = Context.Render<WorkerTable>(p => p.Add(t => t.Pool, "stamps"));
        var first = RelativeTimeFormat.Iso(Time.GetUtcNow().UtcDateTime);
        queues.WaitForAssertion(() => Assert.Equal(first, queues.Find("[data-testid=queue-last-polled]").GetAttribute("data-at")));

        Time.Advance(TimeSpan.FromSeconds(30));
        await PollAsync("stamps", "w1");

        var polled = RelativeTimeFormat.Iso(Time.GetUtcNow().UtcDateTime);
        pools.WaitForAssertion(() => Assert.Equal(polled, pools.Find("[data-testid=pool-last-polled]").GetAttribute("data-at")));
        queues.WaitForAssertion(() => Assert.Equal(polled, queues.Find("[data-testid=queue-last-polled]").GetAttribute("data-at")));
        workers.WaitForAssertion(() => Assert.Equal(polled, workers.Find("[data-testid=worker-last-polled]").GetAttribute("data-at")));
    }

    [Fact]
    public async Task The_queue_table_takes_the_polls_stamps_without_reloading_its_list()
    {
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "noreload", Type = "process" }));
        // The first poll turns the queue Ready, which publishes the queue itself; the next ones do not.
        await PollAsync("noreload", "w1");
        var queues = RenderWithProviders<QueueTable>(p => p.Add(t => t.Pool, "noreload"));
        queues.WaitForAssertion(() => Assert.Equal("Ready", queues.Find("[data-testid=queue-status]").GetAttribute("data-status")));

        // A write that publishes nothing: only a reload of the list could show it.
        await using (var scope = Context.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await db.WorkQueues.Where(q => q.Pool.Name == "noreload").ExecuteUpdateAsync(u => u.SetProperty(q => q.Description, "written behind the page"));
        }

        // Soon enough that the worker is still Online (else its pool is published, and reloads the table rightly).
        Time.Advance(TimeSpan.FromSeconds(5));
        await PollAsync("noreload", "w1");

        var polled = RelativeTimeFormat.Iso(Time.GetUtcNow().UtcDateTime);
        queues.WaitForAssertion(() => Assert.Equal(polled, queues.Find("[data-testid=queue-last-polled]").GetAttribute("data-at")));
        Assert.DoesNotContain("written behind the page", queues.Markup, StringComparison.Ordinal);
    }

    private Task<IReadOnlyList<FlowRunDto>> PollAsync(string pool, string worker) =>
        CallAsync((PollService s) => s.PollAsync(pool, new PollRequest { WorkerName = worker }, CancellationToken.None));
}

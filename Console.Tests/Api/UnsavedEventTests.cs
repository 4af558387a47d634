using System.Collections.Concurrent;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Events;
using Console.Core.Feed;
using Console.Core.Persistence;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>
/// An event is what a save wrote, nothing else: one recorded for a change that was then dropped
/// must not ride on the next save of the same context (its change tracker cleared, or the pooled
/// context serving the next request). Automations act on events, so a phantom one would act on
/// something that never happened.
/// </summary>
public sealed class UnsavedEventTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_state_change_recorded_but_never_saved_reaches_neither_the_feed_nor_the_event_log()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id);
        var published = new ConcurrentQueue<EventDto>();
        using var subscription = Factory.Services.GetRequiredService<IChangeFeed>().Subscribe(e =>
        {
            if (e is EventRecorded recorded)
            {
                published.Enqueue(recorded.Event);
            }
        });

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            var tracked = await db.FlowRuns.SingleAsync(r => r.Id == run.Id);
            tracked.State = FlowRunState.Failed;
            scope.ServiceProvider.GetRequiredService<EventRecorder>().RecordRunState(db, tracked);

            // The change is dropped; a later save of the same context changes something else.
            db.ChangeTracker.Clear();
            var saved = await db.Deployments.SingleAsync(d => d.Id == deployment.Id);
            saved.Description = "changed after a dropped run change";
            await db.SaveChangesAsync();
        }

        var update = await Wait.ForAsync(() => Task.FromResult(published.FirstOrDefault(e => e.Type == EventTypes.DeploymentUpdated)));
        Assert.Equal(deployment.Id.ToString(), update.Resource.Id);
        Assert.DoesNotContain(published, e => e.Type == EventTypes.FlowRunStateChanged && e.Resource.Id == run.Id.ToString());
        var logged = await GetAsync<List<EventDto>>($"/api/events?flowRun={run.Id}");
        Assert.DoesNotContain(logged, e => e.Payload["state"]?.GetValue<string>() == nameof(FlowRunState.Failed));
        Assert.Equal(FlowRunState.Scheduled, (await GetAsync<FlowRunDto>($"/api/flow-runs/{run.Id}")).State);
    }
}

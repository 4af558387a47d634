using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.FlowRuns;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Api;

/// <summary>
/// Two writers of one run's state at the same moment: the second one's decision was made on a
/// state that has passed, so it must be made again on the row as it is now.
/// </summary>
public sealed class StateRaceTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_decision_overtaken_by_a_worker_report_is_made_again_on_the_fresh_state()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id);
        Assert.Single(await PollAsync(pool.Name, "w1"));

        // The reaper's rule: a Pending run goes back to the queue, a Running one is Crashed. The
        // worker's Running report lands between the reaper's read and its write.
        var seen = new List<FlowRunState>();
        await using var scope = Factory.Services.CreateAsyncScope();
        var settled = await scope.ServiceProvider.GetRequiredService<FlowRunService>().ApplyToLatestAsync(run.Id, latest =>
        {
            seen.Add(latest.State);
            if (seen.Count == 1)
            {
                Task.Run(() => Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = FlowRunState.Running }))
                    .GetAwaiter().GetResult().EnsureSuccessStatusCode();
            }

            return latest.State == FlowRunState.Pending
                ? new StateReport(FlowRunState.Scheduled, "back in the queue")
                : new StateReport(FlowRunState.Crashed, "its worker went offline");
        });

        Assert.Equal([FlowRunState.Pending, FlowRunState.Running], seen);
        Assert.Equal(FlowRunState.Crashed, settled.State);
        var stored = await GetAsync<FlowRunDto>($"/api/flow-runs/{run.Id}");
        Assert.Equal(FlowRunState.Crashed, stored.State);
        // Never requeued: nobody else can claim the run whose container is still running.
        Assert.Empty(await PollAsync(pool.Name, "w2"));
    }

    [Fact]
    public async Task A_cancel_racing_a_claim_becomes_Cancelling_for_the_worker_that_won()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await RunAsync(deployment.Id);

        var calls = 0;
        await using var scope = Factory.Services.CreateAsyncScope();
        var runs = scope.ServiceProvider.GetRequiredService<FlowRunService>();
        var cancelled = await runs.ApplyToLatestAsync(run.Id, latest =>
        {
            if (++calls == 1)
            {
                Assert.Single(Task.Run(() => PollAsync(pool.Name, "w1")).GetAwaiter().GetResult());
            }

            return new StateReport(latest.State == FlowRunState.Scheduled ? FlowRunState.Cancelled : FlowRunState.Cancelling, "Cancelled by request.");
        });

        Assert.Equal(2, calls);
        Assert.Equal((FlowRunState.Cancelling, "w1"), (cancelled.State, cancelled.WorkerName));
    }
}

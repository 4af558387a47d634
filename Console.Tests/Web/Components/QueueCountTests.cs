using Bunit;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Core.Deployments;
using Console.Core.Polling;
using Console.Core.WorkPools;
using Console.Web.Components.WorkQueues;

namespace Console.Tests.Web.Components;

/// <summary>The queue table's run counts follow runs as they are made and claimed, without a refresh.</summary>
public sealed class QueueCountTests : ComponentTestBase
{
    protected override bool UsesDatabase => true;

    [Fact]
    public async Task A_claim_lowers_the_scheduled_count_of_its_queue_live()
    {
        await CallAsync((WorkPoolService s) => s.CreateAsync(new CreateWorkPoolRequest { Name = "counts", Type = "process" }));
        var deployment = await CallAsync((DeploymentService s) => s.CreateAsync(new CreateDeploymentRequest
        {
            FlowName = "etl",
            Name = "counted",
            WorkPoolName = "counts",
            Entrypoint = "etl.sh",
            Command = "true",
        }));
        var queues = RenderWithProviders<QueueTable>(p => p.Add(t => t.Pool, "counts"));
        queues.WaitForAssertion(() => Assert.Equal("0", Scheduled(queues)));

        for (var i = 0; i < 3; i++)
        {
            await CallAsync((DeploymentService s) => s.CreateRunAsync(deployment.Id, new CreateFlowRunRequest()));
        }

        queues.WaitForAssertion(() => Assert.Equal("3", Scheduled(queues)));

        var claimed = await CallAsync((PollService s) => s.PollAsync("counts", new PollRequest { WorkerName = "w1", Limit = 2 }, CancellationToken.None));
        Assert.Equal(2, claimed.Count);
        queues.WaitForAssertion(() => Assert.Equal("1", Scheduled(queues)));
    }

    private static string Scheduled(IRenderedComponent<QueueTable> queues) => queues.Find("[data-testid=queue-scheduled]").TextContent.Trim();
}

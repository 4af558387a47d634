using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Tests.Infrastructure;

namespace Console.Tests.Security;

/// <summary>
/// Fencing finds a run's container by the worker's <c>console.*</c> labels: a job may not set them
/// (422 naming the field, nothing written), and the fencing calls are a worker key's only for its pools.
/// </summary>
public sealed class ReservedLabelTests(SecureApiFactory factory) : SecurityTestBase(factory), IClassFixture<SecureApiFactory>
{
    [Theory]
    [InlineData("console.flow-run-id")]
    [InlineData("console.worker")]
    [InlineData("Console.Work-Pool")]
    [InlineData(" console.infrastructure-type")]
    [InlineData("console.anything-new")]
    public async Task A_job_label_under_the_workers_prefix_is_422_on_deployments_runs_and_templates_and_nothing_is_written(string key)
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name);
        var before = await RowsAsync();
        var labels = new JsonObject { ["labels"] = new JsonObject { ["team"] = "data", [key] = "x" } };

        var problem = await AssertProblemAsync(await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = Unique("flow"), Name = "d", Entrypoint = "flow.sh", WorkPoolName = pool.Name, JobVariables = labels,
        }), HttpStatusCode.UnprocessableEntity, "jobVariables.labels");
        Assert.Contains(key.Trim(), problem.ToJsonString(), StringComparison.Ordinal);
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/deployments/{deployment.Id}/runs", new CreateFlowRunRequest { JobVariables = labels }),
            HttpStatusCode.UnprocessableEntity, "jobVariables.labels");
        var template = WorkPoolTypes.DefaultTemplate("docker");
        template["variables"]!["properties"]!["labels"]!["default"] = new JsonObject { [key] = "x" };
        await AssertProblemAsync(await Client.PatchJsonAsync($"/api/work-pools/{pool.Name}", new { baseJobTemplate = template }),
            HttpStatusCode.UnprocessableEntity, "baseJobTemplate.variables.properties.labels.default");

        Assert.Equal(before, await RowsAsync());
    }

    [Fact]
    public async Task Other_labels_swarms_own_included_are_accepted()
    {
        var pool = await CreatePoolAsync();
        var deployment = await CreateDeploymentAsync(pool.Name,
            jobVariables: new JsonObject { ["labels"] = new JsonObject { ["com.docker.swarm.task.id"] = "x", ["consoles.team"] = "y" } });
        Assert.Equal("x", deployment.JobVariables["labels"]!["com.docker.swarm.task.id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_worker_key_reconciles_its_own_pool_and_gets_403_on_another()
    {
        var mine = await CreatePoolAsync();
        var other = await CreatePoolAsync();
        using var worker = Factory.ClientWith(await Factory.KeyAsync(Roles.Worker, mine.Name));
        var request = new ReconcileRequest { WorkerName = "w1", Infrastructure = [] };

        using var ok = await worker.PostJsonAsync($"/api/work-pools/{mine.Name}/infrastructure/reconcile", request);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var before = await RowsAsync();
        await AssertProblemAsync(await worker.PostJsonAsync($"/api/work-pools/{other.Name}/infrastructure/reconcile", request), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await worker.PostJsonAsync($"/api/work-pools/{other.Name}/infrastructure/released",
            new ReleasedRequest { WorkerName = "w1", Infrastructure = [] }), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await worker.PostJsonAsync($"/api/work-pools/{mine.Name}/infrastructure/released",
            new ReleasedRequest { WorkerName = "w1", Infrastructure = [new ReleasedInfrastructure(Guid.Empty, "c")] }), HttpStatusCode.BadRequest, "infrastructure[0].flowRunId");
        Assert.Equal(before, await RowsAsync());
    }
}

using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

/// <summary>
/// After an outage the late policy applies before the server answers any worker (docs/reliability.md,
/// "Late runs"): a replica that starts on a database holding a run already past its
/// <c>skipAfterSeconds</c> has skipped it before the first poll, with its periodic jobs off so no
/// scheduler pass can be what skipped it. Real PostgreSQL, real clock.
/// </summary>
public sealed class LatePolicyAtStartTests(PostgresApiFactory factory) : ApiTestBase(factory), IClassFixture<PostgresApiFactory>
{
    [Fact]
    public async Task A_run_already_too_late_when_the_server_starts_is_skipped_before_a_worker_polling_at_once_can_claim_it()
    {
        var pool = await CreatePoolAsync(type: "process");
        var response = await Client.PostJsonAsync("/api/deployments", new CreateDeploymentRequest
        {
            FlowName = Unique("flow"),
            Name = Unique("dep"),
            Entrypoint = "flow.sh",
            Command = "echo hi",
            WorkPoolName = pool.Name,
            LatePolicy = new LatePolicyDto { SkipAfterSeconds = 60 },
        });
        var deployment = await response.ReadAsync<DeploymentDto>();
        // Due ten minutes ago (the outage), and one within the limit that must still run.
        var tooLate = await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddMinutes(-10) });
        var inTime = await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddSeconds(-5) });
        Assert.Equal(FlowRunState.Late, (await Client.GetRunAsync(tooLate.Id)).State);

        // The server comes back (jobs off, as in every test host): a worker polls at once.
        using var restarted = ((PostgresApiFactory)Factory).CreateReplica();
        using var worker = restarted.CreateClient();
        var claimed = await worker.PollAsync(pool.Name, "back", 10, null);
        Assert.Equal([inTime.Id], claimed.Select(r => r.Id));
        var skipped = await worker.GetRunAsync(tooLate.Id);
        Assert.Equal(FlowRunState.Skipped, skipped.State);
        Assert.Contains("more than 1 min late", skipped.StateMessage, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.FlowRuns;
using Console.Tests.Infrastructure;

namespace Console.Tests.Api;

public abstract class FlowRunApiTests(ApiFactory factory) : ApiTestBase(factory)
{
    [Fact]
    public async Task A_run_goes_through_its_lifecycle_with_a_timeline()
    {
        var (pool, run) = await ScheduledRunAsync();
        var claimed = Assert.Single(await PollAsync(pool, "w1"));
        Assert.Equal((FlowRunState.Pending, "w1"), (claimed.State, claimed.WorkerName));

        var running = await SetStateAsync(run.Id, new SetStateRequest { State = FlowRunState.Running, InfrastructureId = "c0ffee" });
        Assert.Equal((FlowRunState.Running, "c0ffee"), (running.State, running.InfrastructureId));
        Assert.NotNull(running.StartedAt);

        var done = await SetStateAsync(run.Id, new SetStateRequest { State = FlowRunState.Completed, ExitCode = 0 });
        Assert.Equal((FlowRunState.Completed, 0), (done.State, done.ExitCode));
        Assert.NotNull(done.EndedAt);

        var history = await GetAsync<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history");
        Assert.Equal([FlowRunState.Scheduled, FlowRunState.Pending, FlowRunState.Running, FlowRunState.Completed], history.Select(h => h.State));
    }

    [Fact]
    public async Task Repeated_reports_are_idempotent()
    {
        var (pool, run) = await ScheduledRunAsync();
        await PollAsync(pool, "w1");
        await SetStateAsync(run.Id, new SetStateRequest { State = FlowRunState.Running });
        await SetStateAsync(run.Id, new SetStateRequest { State = FlowRunState.Running });
        await SetStateAsync(run.Id, new SetStateRequest { State = FlowRunState.Failed, ExitCode = 3 });
        var again = await SetStateAsync(run.Id, new SetStateRequest { State = FlowRunState.Failed, ExitCode = 3 });
        Assert.Equal((FlowRunState.Failed, 3), (again.State, again.ExitCode));
        var history = await GetAsync<List<StateChangeDto>>($"/api/flow-runs/{run.Id}/history");
        Assert.Equal(4, history.Count);
    }

    public static TheoryData<FlowRunState, FlowRunState> Forbidden()
    {
        var data = new TheoryData<FlowRunState, FlowRunState>();
        var all = Enum.GetValues<FlowRunState>();
        foreach (var from in new[] { FlowRunState.Scheduled, FlowRunState.Pending, FlowRunState.Running, FlowRunState.Cancelling, FlowRunState.Completed, FlowRunState.Failed, FlowRunState.Cancelled, FlowRunState.Crashed })
        {
            foreach (var to in all)
            {
                if (from != to && !FlowRunOrchestrator.IsAllowed(from, to))
                {
                    data.Add(from, to);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Forbidden))]
    public async Task Every_forbidden_transition_is_409_and_changes_nothing(FlowRunState from, FlowRunState to)
    {
        var (pool, run) = await ScheduledRunAsync();
        await DriveToAsync(pool, run.Id, from);
        var before = await GetAsync<FlowRunDto>($"/api/flow-runs/{run.Id}");

        var response = await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new SetStateRequest { State = to });
        await AssertProblemAsync(response, HttpStatusCode.Conflict);
        var after = await GetAsync<FlowRunDto>($"/api/flow-runs/{run.Id}");
        Assert.Equal(before.State, after.State);
    }

    [Fact]
    public async Task The_transition_table_is_what_the_architecture_says()
    {
        Assert.True(FlowRunOrchestrator.IsAllowed(FlowRunState.Pending, FlowRunState.Running));
        Assert.True(FlowRunOrchestrator.IsAllowed(FlowRunState.Running, FlowRunState.Completed));
        Assert.True(FlowRunOrchestrator.IsAllowed(FlowRunState.Running, FlowRunState.Crashed));
        Assert.True(FlowRunOrchestrator.IsAllowed(FlowRunState.Cancelling, FlowRunState.Cancelled));
        Assert.True(FlowRunOrchestrator.IsAllowed(FlowRunState.Scheduled, FlowRunState.Cancelled));
        Assert.True(FlowRunOrchestrator.IsAllowed(FlowRunState.Pending, FlowRunState.Scheduled));
        foreach (var from in Enum.GetValues<FlowRunState>())
        {
            Assert.False(FlowRunOrchestrator.IsAllowed(from, FlowRunState.Pending));
        }

        foreach (var terminal in new[] { FlowRunState.Completed, FlowRunState.Failed, FlowRunState.Cancelled, FlowRunState.Crashed })
        {
            Assert.All(Enum.GetValues<FlowRunState>(), to => Assert.False(FlowRunOrchestrator.IsAllowed(terminal, to)));
        }

        await Task.CompletedTask;
    }

    [Fact]
    public async Task Cancel_is_immediate_before_a_claim_and_cooperative_after()
    {
        var (pool, run) = await ScheduledRunAsync();
        var cancelled = await (await Client.PostAsync($"/api/flow-runs/{run.Id}/cancel", null)).ReadAsync<FlowRunDto>();
        Assert.Equal(FlowRunState.Cancelled, cancelled.State);
        await AssertProblemAsync(await Client.PostAsync($"/api/flow-runs/{run.Id}/cancel", null), HttpStatusCode.Conflict);

        var (pool2, run2) = await ScheduledRunAsync();
        await PollAsync(pool2, "w1");
        await SetStateAsync(run2.Id, new SetStateRequest { State = FlowRunState.Running });
        var cancelling = await (await Client.PostAsync($"/api/flow-runs/{run2.Id}/cancel", null)).ReadAsync<FlowRunDto>();
        Assert.Equal(FlowRunState.Cancelling, cancelling.State);
        var final = await SetStateAsync(run2.Id, new SetStateRequest { State = FlowRunState.Cancelled });
        Assert.Equal(FlowRunState.Cancelled, final.State);
        Assert.NotEqual(pool, pool2);
    }

    [Fact]
    public async Task Logs_are_numbered_and_paged_with_after()
    {
        var (_, run) = await ScheduledRunAsync();
        var post = await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[]
        {
            new NewLogLine { Message = "one", Stream = "stdout" },
            new NewLogLine { Message = "two", Stream = "stderr" },
            new NewLogLine { Message = "three" },
        });
        Assert.Equal(HttpStatusCode.NoContent, post.StatusCode);
        var lines = await GetAsync<List<LogLineDto>>($"/api/flow-runs/{run.Id}/logs");
        Assert.Equal(["one", "two", "three"], lines.Select(l => l.Message));
        Assert.Equal("error", lines[1].Level);
        var after = await GetAsync<List<LogLineDto>>($"/api/flow-runs/{run.Id}/logs?after={lines[0].Seq}");
        Assert.Equal(["two", "three"], after.Select(l => l.Message));

        var before = await CountRowsAsync();
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Message = "x", Stream = "stdin" } }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Stream = "stdout" } }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/flow-runs/{Guid.NewGuid()}/logs", new[] { new NewLogLine { Message = "x" } }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Client.PostAsync($"/api/flow-runs/{run.Id}/logs", new StringContent("{\"message\":\"x\"}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task A_log_post_sent_again_with_the_same_line_ids_stores_each_line_once()
    {
        // What a worker does when the server committed a batch but its answer was lost (R3).
        var (_, run) = await ScheduledRunAsync();
        NewLogLine[] batch = [new() { Id = "a1", Message = "one" }, new() { Id = "a2", Message = "two" }];
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", batch)).StatusCode);
        NewLogLine[] again = [.. batch, new() { Id = "a3", Message = "three" }, new() { Id = "a3", Message = "three" }, new() { Message = "no id" }];
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", again)).StatusCode);

        var lines = await GetAsync<List<LogLineDto>>($"/api/flow-runs/{run.Id}/logs");
        Assert.Equal(["one", "two", "three", "no id"], lines.Select(l => l.Message));
        // Ids are the run's own: another run may use the same ones.
        var (_, other) = await ScheduledRunAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostJsonAsync($"/api/flow-runs/{other.Id}/logs", batch)).StatusCode);
        Assert.Equal(["one", "two"], (await GetAsync<List<LogLineDto>>($"/api/flow-runs/{other.Id}/logs")).Select(l => l.Message));
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/flow-runs/{run.Id}/logs", new[] { new NewLogLine { Id = new string('x', 65), Message = "x" } }),
            HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_or_malformed_ids_are_404_problems()
    {
        await AssertProblemAsync(await Client.GetAsync($"/api/flow-runs/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Client.GetAsync("/api/flow-runs/not-a-guid"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Client.PostJsonAsync($"/api/flow-runs/{Guid.NewGuid()}/state", new SetStateRequest { State = FlowRunState.Running }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Client.PostAsync($"/api/flow-runs/{Guid.NewGuid()}/cancel", null), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Client.PostAsync($"/api/flow-runs/{Guid.NewGuid()}/state",
            new StringContent("""{"state":"Exploded"}""", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
    }

    private async Task<(string Pool, FlowRunDto Run)> ScheduledRunAsync()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        return (pool.Name, await RunAsync(deployment.Id));
    }

    private async Task<FlowRunDto> SetStateAsync(Guid id, SetStateRequest request)
    {
        var response = await Client.PostJsonAsync($"/api/flow-runs/{id}/state", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<FlowRunDto>();
    }

    private async Task DriveToAsync(string pool, Guid id, FlowRunState target)
    {
        if (target == FlowRunState.Scheduled)
        {
            return;
        }

        if (target == FlowRunState.Cancelled)
        {
            await Client.PostAsync($"/api/flow-runs/{id}/cancel", null);
            return;
        }

        await PollAsync(pool, "w1");
        if (target == FlowRunState.Pending)
        {
            return;
        }

        await SetStateAsync(id, new SetStateRequest { State = FlowRunState.Running });
        if (target != FlowRunState.Running)
        {
            await SetStateAsync(id, new SetStateRequest { State = target });
        }
    }
}

public sealed class SqliteFlowRunApiTests(ApiFactory factory) : FlowRunApiTests(factory), IClassFixture<ApiFactory>;

public sealed class PostgresFlowRunApiTests(PostgresApiFactory factory) : FlowRunApiTests(factory), IClassFixture<PostgresApiFactory>;

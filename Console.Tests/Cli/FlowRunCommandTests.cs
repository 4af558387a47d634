using System.Text.Json.Nodes;
using Console.Cli.Hosting;
using Console.Contracts.FlowRuns;
using Console.Core.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class FlowRunCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    [Fact]
    public async Task Ls_filters_by_pool_and_state_and_inspect_shows_the_timeline()
    {
        var pool = CliHarness.Unique("runs-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("listed"));
        var run = await _rest.CreateRunAsync(deployment.Id);

        var listed = await _cli.RunAsync("flow-run", "ls", "--pool", pool);
        var scheduled = await _cli.RunAsync("--output", "json", "flow-run", "ls", "--pool", pool, "--state", "scheduled");
        var running = await _cli.RunAsync("--output", "json", "flow-run", "ls", "--pool", pool, "--state", "Running");
        var inspected = await _cli.RunAsync("flow-run", "inspect", run.Id.ToString());

        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(run.Id.ToString(), listed.Output, StringComparison.Ordinal);
        Assert.Contains("Scheduled", listed.Output, StringComparison.Ordinal);
        Assert.Single(JsonNode.Parse(scheduled.Output)!.AsArray());
        Assert.Empty(JsonNode.Parse(running.Output)!.AsArray());
        Assert.Equal(0, inspected.ExitCode);
        Assert.Contains(run.Name, inspected.Output, StringComparison.Ordinal);
        Assert.Contains("State timeline", inspected.Output, StringComparison.Ordinal);
        // No worker has ever polled the pool: inspect says so, with the reason's code.
        Assert.Contains("Why it is waiting", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("[no-worker]", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("~ Start time unknown (1st in line): Unknown until this changes: No online worker", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("No recorded waits.", inspected.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_shows_a_waiting_runs_estimate_and_once_it_started_what_it_waited_for()
    {
        var pool = CliHarness.Unique("wait-pool");
        await _rest.CreatePoolAsync(pool, concurrencyLimit: 1);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("waited"));
        var holder = await _rest.CreateRunAsync(deployment.Id);
        Assert.Single(await _rest.ClaimAsync(pool, "w1", limit: 1));
        await _rest.SetStateAsync(holder.Id, FlowRunState.Running);
        var run = await _rest.CreateRunAsync(deployment.Id);

        var waiting = await _cli.RunAsync("flow-run", "inspect", run.Id.ToString());
        await using (var scope = server.Services.CreateAsyncScope())
        {
            // The server is shared with the collection's other tests: their waiting runs count too.
            Assert.True(await scope.ServiceProvider.GetRequiredService<WaitHistory>().RecordAsync() >= 1, "no wait was recorded");
        }

        await _rest.SetStateAsync(holder.Id, FlowRunState.Completed, exitCode: 0);
        Assert.Equal([run.Id], (await _rest.ClaimAsync(pool, "w1", limit: 1)).Select(r => r.Id));
        var started = await _cli.RunAsync("flow-run", "inspect", run.Id.ToString());

        Assert.Equal(0, waiting.ExitCode);
        // The holder was claimed moments before: about a minute (its deployment has no history: 60 s assumed), less what passed since.
        Assert.Matches(@"~ Expected in about (1 min|[1-5]?[0-9] s), 1st in line", waiting.Output);
        Assert.Equal(0, started.ExitCode);
        Assert.Contains("waited ", started.Output, StringComparison.Ordinal);
        Assert.Contains("for a slot of the pool limit", started.Output, StringComparison.Ordinal);
        Assert.Contains($"Work pool '{pool}' concurrency limit is full", started.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_shows_what_an_ended_run_used()
    {
        var run = await RunningAsync("usage-pool", "measured");
        await _rest.PostJsonAsync($"/api/flow-runs/{run.Id}/state", new Console.Contracts.SetStateRequest
        {
            State = FlowRunState.Completed, ExitCode = 0, Usage = new FlowRunUsageDto { CpuSeconds = 1.25, PeakMemoryBytes = 48L << 20 },
        });

        var inspected = await _cli.RunAsync("flow-run", "inspect", run.Id.ToString());

        Assert.Equal(0, inspected.ExitCode);
        Assert.Matches(@"CPU time\s+1\.25 s", inspected.Output);
        Assert.Matches(@"Peak memory\s+48 MiB", inspected.Output);
        Assert.Matches(@"Waited\s+\d+ s", inspected.Output);
        Assert.Matches(@"Ran\s+\d+ s", inspected.Output);
    }

    [Fact]
    public async Task Logs_prints_the_lines_and_follow_waits_for_the_end()
    {
        var run = await RunningAsync("logs-pool", "logged");
        await _rest.LogAsync(run.Id, "line one", "line two");

        var logs = await _cli.RunAsync("flow-run", "logs", run.Id.ToString());
        var console = CliHarness.NewConsole();
        var follow = _cli.RunAsync(console, "flow-run", "logs", run.Id.ToString(), "--follow");
        await Wait.ForAsync(() => Task.FromResult(CliHarness.Printed(console, "line two") ? "seen" : null));
        await _rest.LogAsync(run.Id, "line three");
        await _rest.SetStateAsync(run.Id, FlowRunState.Completed, exitCode: 0);
        var followed = await follow.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, logs.ExitCode);
        Assert.Contains("line one", logs.Output, StringComparison.Ordinal);
        Assert.Contains("line two", logs.Output, StringComparison.Ordinal);
        Assert.Equal(0, followed.ExitCode);
        Assert.Contains("line three", followed.Output, StringComparison.Ordinal);
        Assert.Contains("finished as Completed", followed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_of_a_scheduled_run_cancels_it()
    {
        var pool = CliHarness.Unique("cancel-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("cancelled"));
        var run = await _rest.CreateRunAsync(deployment.Id);

        var result = await _cli.RunAsync("flow-run", "cancel", run.Id.ToString());
        var again = await _cli.RunAsync("--output", "json", "flow-run", "inspect", run.Id.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Cancelled flow run", result.Output, StringComparison.Ordinal);
        Assert.Equal("Cancelled", (string?)JsonNode.Parse(again.Output)!["state"]);
    }

    [Fact]
    public async Task A_run_id_that_is_not_a_guid_is_a_usage_error_and_an_unknown_one_is_not_found()
    {
        var bad = await _cli.RunAsync("flow-run", "inspect", "not-a-guid");
        var unknown = await _cli.RunAsync("flow-run", "inspect", Guid.NewGuid().ToString());

        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Equal(ExitCodes.Error, unknown.ExitCode);
        Assert.Contains("Not found", unknown.Output, StringComparison.Ordinal);
    }

    /// <summary>A run of a deployment of its own, claimed and Running.</summary>
    private async Task<Console.Contracts.FlowRunDto> RunningAsync(string poolPrefix, string deploymentPrefix)
    {
        var pool = CliHarness.Unique(poolPrefix);
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique(deploymentPrefix));
        var run = await _rest.CreateRunAsync(deployment.Id);
        Assert.Single(await _rest.ClaimAsync(pool, "w1"));
        await _rest.SetStateAsync(run.Id, FlowRunState.Running);
        return run;
    }

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }
}

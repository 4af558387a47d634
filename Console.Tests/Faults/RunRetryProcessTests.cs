using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Xunit.Abstractions;

namespace Console.Tests.Faults;

/// <summary>
/// Retries end to end (docs/reliability.md, "Retries"): the built console and real <c>cx worker</c>
/// processes on a process pool, flows that are shell commands, and a worker SIGKILLed mid-run.
/// </summary>
public sealed class RunRetryProcessTests(ITestOutputHelper output) : FaultTestBase(output)
{
    [Fact]
    public async Task A_flow_that_exits_3_with_two_retries_ends_Failed_after_three_attempts_with_each_attempts_logs()
    {
        var server = Watch(await FaultServer.StartAsync(Folder.FullName));
        using var http = server.CreateHttpClient();
        var pool = Unique("retry-fail");
        await http.CreatePoolAsync(pool, "process");
        var deployment = await CreateAsync(http, pool, "sh -c 'echo trying; echo oops >&2; exit 3'", new RetryPolicyDto { MaxRetries = 2, DelaySeconds = 1 });
        var run = await http.CreateRunAsync(deployment.Id);
        StartWorker(server, pool, Unique("w"));

        var failed = await http.WaitForStateAsync(run.Id, FlowRunState.Failed, 90);
        Assert.Equal((3, 3, 3), (failed.Attempt, failed.MaxAttempts, failed.ExitCode));
        var history = await http.HistoryAsync(run.Id);
        Assert.Equal([1, 2, 3], history.Where(h => h.State == FlowRunState.Failed).Select(h => h.Attempt));
        Assert.Equal([2, 3], history.Where(h => h.State == FlowRunState.AwaitingRetry).Select(h => h.Attempt));
        var output = (await http.LogsAsync(run.Id)).Where(l => l.Stream != "worker")
            .GroupBy(l => l.Attempt).ToDictionary(g => g.Key, g => g.Select(l => l.Message).Order(StringComparer.Ordinal).ToList());
        Assert.Equal([1, 2, 3], output.Keys.Order());
        Assert.All(output.Values, messages => Assert.Equal(["oops", "trying"], messages));
        Output.WriteLine($"verified: run {run.Id} Failed with exit code 3 after attempts 1-3; each attempt's stdout and stderr kept under its number");
    }

    [Fact]
    public async Task A_flow_that_fails_once_then_succeeds_ends_Completed_on_attempt_2()
    {
        var server = Watch(await FaultServer.StartAsync(Folder.FullName));
        using var http = server.CreateHttpClient();
        var pool = Unique("retry-once");
        await http.CreatePoolAsync(pool, "process");
        var marker = Path.Combine(Folder.FullName, "failed-once");
        var deployment = await CreateAsync(http, pool,
            $"sh -c 'if [ -e {marker} ]; then echo second time lucky; exit 0; fi; touch {marker}; echo first try fails; exit 1'",
            new RetryPolicyDto { MaxRetries = 3, DelaySeconds = 0 });
        var run = await http.CreateRunAsync(deployment.Id);
        StartWorker(server, pool, Unique("w"));

        var done = await http.WaitForStateAsync(run.Id, FlowRunState.Completed, 90);
        Assert.Equal((2, 4, 0), (done.Attempt, done.MaxAttempts, done.ExitCode));
        var output = (await http.LogsAsync(run.Id)).Where(l => l.Stream != "worker").Select(l => (l.Attempt, l.Message)).ToList();
        Assert.Equal([(1, "first try fails"), (2, "second time lucky")], output);
        Output.WriteLine($"verified: run {run.Id} failed on attempt 1 and Completed on attempt 2 of 4");
    }

    /// <summary>
    /// The lease reaper ends the run Crashed; a process pool cannot confirm its child gone, so the
    /// retry waits for the hold bound (5 s here), then the other worker takes attempt 2.
    /// </summary>
    [Fact]
    public async Task A_worker_SIGKILLed_mid_run_leads_to_a_retry_that_completes_on_another_worker()
    {
        var server = Watch(await FaultServer.StartAsync(Folder.FullName, new Dictionary<string, string?>
        {
            ["Jobs:Enabled"] = "true",
            ["Status:InfrastructureHoldSeconds"] = "5",
        }));
        using var http = server.CreateHttpClient();
        var pool = Unique("retry-kill");
        await http.CreatePoolAsync(pool, "process");
        var marker = Path.Combine(Folder.FullName, "started-once");
        var go = Path.Combine(Folder.FullName, "go");
        // Attempt 1 waits for the test's go, or for the test's folder to be gone (so the orphan ends
        // with the test even when the folder is removed before it sees the go); attempt 2 finishes at once.
        var deployment = await CreateAsync(http, pool,
            $"sh -c 'if [ -e {marker} ]; then echo attempt two done; exit 0; fi; touch {marker}; echo attempt one started; while [ -e {marker} ] && [ ! -e {go} ]; do sleep 0.2; done'",
            new RetryPolicyDto { MaxRetries = 1, DelaySeconds = 0 });
        var fast = new Dictionary<string, string?> { ["Worker:HeartbeatIntervalSeconds"] = "3" };
        var doomed = Unique("doomed");
        var heir = Unique("heir");
        try
        {
            var run = await http.CreateRunAsync(deployment.Id);
            var victim = StartWorker(server, pool, doomed, fast);
            await http.WaitForStateAsync(run.Id, FlowRunState.Running, 90);
            await Wait.UntilAsync(async () => (await http.OutputAsync(run.Id)).Contains("attempt one started"), "attempt 1's output", 60);
            StartWorker(server, pool, heir, fast);
            await Wait.UntilAsync(async () => (await http.WorkersAsync(pool)).Any(w => w.Name == heir && w.Status == WorkerStatus.Online), "the second worker online", 90);

            await victim.KillAsync();

            var done = await http.WaitForStateAsync(run.Id, FlowRunState.Completed, 120);
            Assert.Equal((2, heir, 0), (done.Attempt, done.WorkerName, done.ExitCode));
            var history = await http.HistoryAsync(run.Id);
            var crashed = history.Single(h => h.State == FlowRunState.Crashed);
            Assert.Equal(1, crashed.Attempt);
            Assert.Contains(doomed, crashed.Message, StringComparison.Ordinal);
            Assert.Contains(history, h => h is { State: FlowRunState.AwaitingRetry, Attempt: 2 });
            var output = (await http.LogsAsync(run.Id)).Where(l => l.Stream != "worker").Select(l => (l.Attempt, l.Message)).ToList();
            Assert.Equal([(1, "attempt one started"), (2, "attempt two done")], output);
            Output.WriteLine($"verified: worker {doomed} SIGKILLed mid-run; run {run.Id} Crashed on attempt 1 and Completed on attempt 2 by {heir}");
        }
        finally
        {
            await File.WriteAllTextAsync(go, "go");
        }
    }

    private static Task<DeploymentDto> CreateAsync(HttpClient http, string pool, string command, RetryPolicyDto retries) =>
        http.CreateDeploymentAsync(new CreateDeploymentRequest
        {
            FlowName = Unique("flow"),
            Name = "dep",
            Entrypoint = "flow.sh",
            Command = command,
            WorkPoolName = pool,
            Retries = retries,
        });
}

using System.Text.Json.Nodes;
using Console.Cli.Hosting;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Contracts.FlowRuns;
using Console.Projects.Flows;
using Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Console.Tests.Cli;

/// <summary>Run policies through the CLI: console.yaml and <c>cx deploy</c>, <c>--watch</c> across attempts, <c>--idempotency-key</c>.</summary>
[Collection(CliCollection.Name)]
public sealed class RunPolicyCommandTests(ConsoleServer server) : IDisposable
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(60);
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    [Fact]
    public async Task Console_yaml_run_policies_are_deployed_and_read_back_over_rest()
    {
        var pool = CliHarness.Unique("pol-pool");
        await _rest.CreatePoolAsync(pool);
        _cli.WriteFile("flow.sh", "# flow: guarded\necho hi\n");
        _cli.WriteFile(FlowProject.ManifestFileName, $"""
            deployments:
              - name: guarded-dep
                flow: guarded
                work_pool:
                  name: {pool}
                concurrency_limit: 2
                collision_strategy: CancelNew   # a run over the limit is cancelled
                retries:
                  max_retries: 3
                  delay_seconds: 5
                  backoff_factor: 2
                  on: [Failed, TimedOut]
                timeout_seconds: 600
                late_policy:
                  skip_after_seconds: 120
                  max_scheduled: 4
            """);

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "guarded-dep");

        Assert.True(result.ExitCode == 0, result.ToString());
        var deployment = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/guarded/guarded-dep");
        Assert.Equal(2, deployment.ConcurrencyLimit);
        Assert.Equal(CollisionStrategy.CancelNew, deployment.CollisionStrategy);
        Assert.Equal(3, deployment.Retries!.MaxRetries);
        Assert.Equal(5, deployment.Retries.DelaySeconds);
        Assert.Equal(2, deployment.Retries.BackoffFactor);
        Assert.Equal(0, deployment.Retries.JitterPercent);
        Assert.Equal([FlowRunState.Failed, FlowRunState.TimedOut], deployment.Retries.On);
        Assert.Equal(600, deployment.TimeoutSeconds);
        Assert.Equal(120, deployment.LatePolicy!.SkipAfterSeconds);
        Assert.Equal(4, deployment.LatePolicy.MaxScheduled);

        var inspected = await _cli.RunAsync("deployment", "inspect", "guarded/guarded-dep");
        Assert.Contains("up to 3 retries on Failed, TimedOut, 5 s apart, x2 each time", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("600 s", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("skip runs more than 120 s late; keep at most 4 waiting", inspected.Output, StringComparison.Ordinal);
        Assert.Contains("2 (CancelNew)", inspected.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_flags_override_console_yaml_and_a_saved_deployment_keeps_them()
    {
        var pool = CliHarness.Unique("flag-pol");
        await _rest.CreatePoolAsync(pool);
        _cli.WriteFile("flow.sh", "# flow: flagged\necho hi\n");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "flag-dep", "-p", pool,
            "--retries", "2", "--retry-delay", "0", "--timeout", "30", "--skip-late-after", "60", "--save");

        Assert.True(result.ExitCode == 0, result.ToString());
        var deployment = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/flagged/flag-dep");
        Assert.Equal(2, deployment.Retries!.MaxRetries);
        Assert.Equal(0, deployment.Retries.DelaySeconds);
        Assert.Equal(30, deployment.TimeoutSeconds);
        Assert.Equal(60, deployment.LatePolicy!.SkipAfterSeconds);
        var saved = await File.ReadAllTextAsync(Path.Combine(_cli.WorkingDirectory, FlowProject.ManifestFileName));
        Assert.Contains("timeout_seconds: 30", saved, StringComparison.Ordinal);
        Assert.Contains("max_retries: 2", saved, StringComparison.Ordinal);
        Assert.Contains("skip_after_seconds: 60", saved, StringComparison.Ordinal);

        var again = await _cli.RunAsync("--no-prompt", "deploy", "-n", "flag-dep", "--timeout", "45");
        Assert.True(again.ExitCode == 0, again.ToString());
        var updated = await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/flagged/flag-dep");
        Assert.Equal(45, updated.TimeoutSeconds);
        Assert.Equal(2, updated.Retries!.MaxRetries);
    }

    [Theory]
    [InlineData("retries:\n      max_retries: 101\n", "'max_retries' must be a whole number from 0 to 100")]
    [InlineData("collision_strategy: Sometimes\n", "'collision_strategy' must be one of Enqueue, CancelNew")]
    [InlineData("retries:\n      on: [Cancelled]\n", "'on' lists the states to retry")]
    [InlineData("timeout_seconds: 0\n", "'timeout_seconds' must be a whole number of at least 1")]
    [InlineData("late_policy:\n      skip_after_seconds: 0\n", "'skip_after_seconds' must be a whole number of at least 1")]
    [InlineData("late_policy:\n      max_scheduled: 0\n", "'max_scheduled' must be a whole number of at least 1")]
    public async Task Invalid_run_policies_in_console_yaml_are_refused_with_the_line_and_nothing_is_created(string policy, string error)
    {
        var pool = CliHarness.Unique("bad-pol");
        await _rest.CreatePoolAsync(pool);
        _cli.WriteFile("flow.sh", "# flow: refused\necho hi\n");
        _cli.WriteFile(FlowProject.ManifestFileName,
            $"deployments:\n  - name: refused-dep\n    flow: refused\n    work_pool:\n      name: {pool}\n    {policy}");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "refused-dep");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(error, result.Output, StringComparison.Ordinal);
        Assert.Contains("line", result.Output, StringComparison.Ordinal);
        var missing = await _rest.GetAsync("/api/deployments/by-name/refused/refused-dep");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("--skip-late-after", "--skip-late-after must be at least 1 second.")]
    [InlineData("--max-scheduled", "--max-scheduled must be at least 1.")]
    [InlineData("--timeout", "--timeout must be at least 1 second.")]
    public async Task A_zero_late_policy_or_timeout_flag_is_refused_as_the_server_would_and_nothing_is_created(string flag, string error)
    {
        var pool = CliHarness.Unique("zero-pol");
        await _rest.CreatePoolAsync(pool);
        _cli.WriteFile("flow.sh", "# flow: zeroed\necho hi\n");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "zero-dep", "-p", pool, flag, "0");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(error, result.Output, StringComparison.Ordinal);
        var missing = await _rest.GetAsync("/api/deployments/by-name/zeroed/zero-dep");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Watch_follows_every_attempt_and_exits_0_when_a_retry_completes()
    {
        var (pool, deployment) = await RetryingDeploymentAsync("retry-ok");

        var watch = _cli.RunAsync(CliHarness.NewConsole(), "deployment", "run", $"etl/{deployment.Name}", "--watch");
        var run = await FirstRunAsync(deployment.Id);
        await RunAttemptAsync(pool, run.Id, FlowRunState.Failed, exitCode: 3);
        var waiting = await _rest.WaitForStateAsync(run.Id, FlowRunState.AwaitingRetry);
        Assert.Equal(2, waiting.Attempt);
        Assert.False(watch.IsCompleted, "--watch must not end while the run awaits its retry");
        await RunAttemptAsync(pool, run.Id, FlowRunState.Completed, exitCode: 0);
        var result = await watch.WaitAsync(WatchTimeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("(attempt 1 of 2)", result.Output, StringComparison.Ordinal);
        Assert.Contains("AwaitingRetry", result.Output, StringComparison.Ordinal);
        Assert.Contains("(attempt 2 of 2)", result.Output, StringComparison.Ordinal);
        Assert.Contains("completed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_exits_non_zero_when_the_last_attempt_fails()
    {
        var (pool, deployment) = await RetryingDeploymentAsync("retry-bad");

        var watch = _cli.RunAsync(CliHarness.NewConsole(), "deployment", "run", $"etl/{deployment.Name}", "--watch");
        var run = await FirstRunAsync(deployment.Id);
        await RunAttemptAsync(pool, run.Id, FlowRunState.Failed, exitCode: 3);
        await _rest.WaitForStateAsync(run.Id, FlowRunState.AwaitingRetry);
        await RunAttemptAsync(pool, run.Id, FlowRunState.Failed, exitCode: 4);
        var result = await watch.WaitAsync(WatchTimeout);

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("finished as Failed with exit code 4 on attempt 2 of 2", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_makes_one_run()
    {
        var pool = CliHarness.Unique("idem-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("idem"));
        var key = "order-" + Guid.NewGuid().ToString("N");

        var first = await _cli.RunAsync("deployment", "run", $"etl/{deployment.Name}", "--idempotency-key", key, "--output", "json");
        var second = await _cli.RunAsync("deployment", "run", $"etl/{deployment.Name}", "--idempotency-key", key, "--output", "json");
        var other = await _cli.RunAsync("deployment", "run", $"etl/{deployment.Name}", "--idempotency-key", key + "-other");

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0 && other.ExitCode == 0, first + "\n" + second + "\n" + other);
        var runs = await _rest.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}");
        Assert.Equal(2, runs.Count);
        var one = JsonNode.Parse(first.Output[first.Output.IndexOf('{', StringComparison.Ordinal)..])!["id"]!.GetValue<Guid>();
        var again = JsonNode.Parse(second.Output[second.Output.IndexOf('{', StringComparison.Ordinal)..])!["id"]!.GetValue<Guid>();
        Assert.Equal(one, again);
    }

    [Fact]
    public async Task A_run_whose_answer_is_lost_is_sent_again_with_the_same_key_and_made_once()
    {
        var pool = CliHarness.Unique("lost-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("lost"));
        await using var proxy = await AnswerLosingProxy.StartAsync(server.BaseUrl,
            r => HttpMethods.IsPost(r.Method) && r.Path.Value!.EndsWith("/runs", StringComparison.Ordinal), "Idempotency-Key");
        _cli.Environment[CliEnvironment.ApiUrlVariable] = proxy.Url;

        var result = await _cli.RunAsync("deployment", "run", $"etl/{deployment.Name}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(1, proxy.Lost);
        var keys = proxy.Matched.ToList();
        Assert.True(keys.Count == 2 && !string.IsNullOrEmpty(keys[0]) && keys[0] == keys[1], $"the resend did not carry the first key: [{string.Join(", ", keys)}]");
        var runs = await _rest.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}");
        var run = Assert.Single(runs);
        Assert.Contains(run.Name, result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\nb")]
    [InlineData("has space")]
    [InlineData("129")]
    public async Task An_idempotency_key_the_server_would_refuse_is_refused_before_anything_is_sent(string key)
    {
        var pool = CliHarness.Unique("idem-bad");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("idem"));
        key = key == "129" ? new string('k', 129) : key;

        var result = await _cli.RunAsync("deployment", "run", $"etl/{deployment.Name}", "--idempotency-key", key);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--idempotency-key must be 1 to 128 printable ASCII characters without spaces", result.Output, StringComparison.Ordinal);
        Assert.Empty(await _rest.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}"));
    }

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }

    /// <summary>A deployment retried once, at once (no delay), so a test drives both attempts as a worker would.</summary>
    private async Task<(string Pool, DeploymentDto Deployment)> RetryingDeploymentAsync(string prefix)
    {
        var pool = CliHarness.Unique(prefix);
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique(prefix));
        await _rest.UpdateDeploymentAsync(deployment.Id, new JsonObject { ["retries"] = new JsonObject { ["maxRetries"] = 1, ["delaySeconds"] = 0 } });
        return (pool, deployment);
    }

    private Task<FlowRunDto> FirstRunAsync(Guid deployment) => Wait.ForAsync(async () =>
        (await _rest.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment}")).FirstOrDefault());

    /// <summary>One attempt as a worker runs it: claim, Running, then the end state.</summary>
    private async Task RunAttemptAsync(string pool, Guid run, FlowRunState end, int exitCode)
    {
        await Wait.ForAsync(async () => await _rest.ClaimAsync(pool, "test-worker") is { Count: > 0 } claimed ? claimed[0] : null);
        await _rest.SetStateAsync(run, FlowRunState.Running);
        await _rest.LogAsync(run, $"attempt output {end}");
        await _rest.SetStateAsync(run, end, exitCode: exitCode, message: $"exit code {exitCode}");
    }
}

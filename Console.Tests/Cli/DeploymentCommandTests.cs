using System.Text.Json.Nodes;
using Console.Cli.Hosting;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class DeploymentCommandTests(ConsoleServer server) : IDisposable
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(60);
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    [Fact]
    public async Task Ls_and_inspect_show_the_deployment()
    {
        var pool = CliHarness.Unique("dep-pool");
        await _rest.CreatePoolAsync(pool);
        var name = CliHarness.Unique("my-first-deployment");
        await _rest.CreateDeploymentAsync(pool, "get_repo_info", name);

        var listed = await _cli.RunAsync("deployment", "ls", "--pool", pool);
        var inspected = await _cli.RunAsync("deployment", "inspect", $"get_repo_info/{name}");

        Assert.Equal(0, listed.ExitCode);
        Assert.Contains($"get_repo_info/{name}", listed.Output, StringComparison.Ordinal);
        Assert.Equal(0, inspected.ExitCode);
        Assert.Contains("sh flow.sh", inspected.Output, StringComparison.Ordinal);
        Assert.Contains(pool, inspected.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_creates_a_scheduled_run_with_params_and_job_variables_and_says_how_to_start_a_worker()
    {
        var pool = CliHarness.Unique("run-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("nightly"));

        var result = await _cli.RunAsync("deployment", "run", $"etl/{deployment.Name}",
            "--param", "count=3", "--param", "who=world", "--param", "flags={\"a\":true}", "--job-variable", "working_dir=/tmp");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Created flow run", result.Output, StringComparison.Ordinal);
        Assert.Contains($"cx worker start --pool {pool}", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("--api", result.Output, StringComparison.Ordinal);
        var run = Assert.Single(await _rest.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}"));
        Assert.Equal(FlowRunState.Scheduled, run.State);
        Assert.Equal(3, (int?)run.Parameters["count"]);
        Assert.Equal("world", (string?)run.Parameters["who"]);
        Assert.True((bool?)run.Parameters["flags"]!["a"]);
        Assert.Equal("/tmp", (string?)run.JobVariables["working_dir"]);
    }

    [Fact]
    public async Task Run_watch_follows_states_and_logs_and_exits_0_on_completed()
    {
        var pool = CliHarness.Unique("watch-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("watched"));

        var console = CliHarness.NewConsole();
        var watch = _cli.RunAsync(console, "deployment", "run", $"etl/{deployment.Name}", "--watch");
        var run = await Wait.ForAsync(async () =>
            (await _rest.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}")).FirstOrDefault());
        await _rest.LogAsync(run.Id, "early line before the claim");
        Assert.Single(await _rest.ClaimAsync(pool, "test-worker"));
        await _rest.SetStateAsync(run.Id, FlowRunState.Running);
        await _rest.LogAsync(run.Id, "hello from the flow", "second line");
        await Wait.ForAsync(() => Task.FromResult(CliHarness.Printed(console, "second line") ? "seen" : null));
        await _rest.SetStateAsync(run.Id, FlowRunState.Completed, exitCode: 0);
        var result = await watch.WaitAsync(WatchTimeout);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("early line before the claim", result.Output, StringComparison.Ordinal);
        Assert.Contains("hello from the flow", result.Output, StringComparison.Ordinal);
        Assert.Contains("is Running", result.Output, StringComparison.Ordinal);
        Assert.Contains("is Completed", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(result.Output, "hello from the flow"));
    }

    [Fact]
    public async Task Run_watch_exits_non_zero_when_the_run_fails()
    {
        var pool = CliHarness.Unique("fail-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("failing"));

        var watch = _cli.RunAsync(CliHarness.NewConsole(), "deployment", "run", $"etl/{deployment.Name}", "--watch");
        var run = await Wait.ForAsync(async () =>
            (await _rest.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}")).FirstOrDefault());
        Assert.Single(await _rest.ClaimAsync(pool, "test-worker"));
        await _rest.SetStateAsync(run.Id, FlowRunState.Running);
        await _rest.LogAsync(run.Id, "something broke");
        await _rest.SetStateAsync(run.Id, FlowRunState.Failed, exitCode: 3, message: "exit code 3");
        var result = await watch.WaitAsync(WatchTimeout);

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("something broke", result.Output, StringComparison.Ordinal);
        Assert.Contains("finished as Failed with exit code 3", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hints_repeat_the_api_address_given_with_the_flag()
    {
        var pool = CliHarness.Unique("flag-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("flagged"));
        _cli.Environment.Remove(CliEnvironment.ApiUrlVariable);

        var result = await _cli.RunAsync("deployment", "run", $"etl/{deployment.Name}", "--api", server.BaseUrl);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"cx worker start --pool {pool} --api {server.BaseUrl}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_of_an_unknown_deployment_is_not_found()
    {
        var result = await _cli.RunAsync("deployment", "run", "nope/missing");

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("Not found", result.Output, StringComparison.Ordinal);
        Assert.Contains("nope/missing", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_a_job_variable_outside_the_schema_shows_the_field_error()
    {
        var pool = CliHarness.Unique("schema-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("strict"));

        var result = await _cli.RunAsync("deployment", "run", $"etl/{deployment.Name}", "--job-variable", "not_a_variable=1");

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("not_a_variable", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_deployment_reference_is_a_usage_error()
    {
        var result = await _cli.RunAsync("deployment", "inspect", "no-slash");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    [Fact]
    public async Task Delete_removes_the_deployment()
    {
        var pool = CliHarness.Unique("del-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, "etl", CliHarness.Unique("doomed"));

        var deleted = await _cli.RunAsync("deployment", "delete", $"etl/{deployment.Name}");
        var listed = await _cli.RunAsync("--output", "json", "deployment", "ls", "--pool", pool);

        Assert.Equal(0, deleted.ExitCode);
        Assert.Empty(JsonNode.Parse(listed.Output)!.AsArray());
    }

    private static int CountOf(string text, string part) =>
        (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Deployments;
using Console.Projects.Flows;
using Console.Cli.Hosting;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class WorkQueueCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    [Fact]
    public async Task Deploy_makes_the_pools_queues_what_console_yaml_work_queues_says_and_leaves_the_rest_alone()
    {
        var pool = CliHarness.Unique("wq-pool");
        var other = CliHarness.Unique("wq-other");
        await _rest.CreatePoolAsync(pool);
        await _rest.CreatePoolAsync(other);
        Assert.Equal(0, (await _cli.RunAsync("work-queue", "create", "team-b", "--pool", pool, "--priority", "2", "--limit", "4")).ExitCode);
        _cli.WriteFile("flow.sh", "# flow: shared\necho hi\n");
        _cli.WriteFile(FlowProject.ManifestFileName, $"""
            work_queues:
              - pool: {pool}
                name: team-a
                priority: 2
                weight: 3
              - pool: {pool}
                name: team-b
                weight: 2
              - pool: {other}
                name: elsewhere
            deployments:
              - name: fair
                flow: shared
                work_pool:
                  name: {pool}
                  work_queue_name: team-a
            """);

        var first = await _cli.RunAsync("--no-prompt", "deploy", "-n", "fair");
        var again = await _cli.RunAsync("--no-prompt", "deploy", "-n", "fair");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"Work queue 'team-a' of work pool '{pool}' created (priority 2, weight 3).", first.Output, StringComparison.Ordinal);
        Assert.Contains($"Work queue 'team-b' of work pool '{pool}' updated (weight 2).", first.Output, StringComparison.Ordinal);
        var teamA = await _rest.GetJsonAsync<WorkQueueDto>($"/api/work-pools/{pool}/queues/team-a");
        Assert.Equal((2, 3), (teamA.Priority, teamA.Weight));
        // An existing queue keeps what the entry does not give: its priority and limit.
        var teamB = await _rest.GetJsonAsync<WorkQueueDto>($"/api/work-pools/{pool}/queues/team-b");
        Assert.Equal((2, 2, (int?)4), (teamB.Priority, teamB.Weight, teamB.ConcurrencyLimit));
        Assert.Equal("team-a", (await _rest.GetJsonAsync<DeploymentDto>("/api/deployments/by-name/shared/fair")).WorkQueueName);
        // Another pool's entry waits for a deployment to that pool; a second deploy changes nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await _rest.GetAsync($"/api/work-pools/{other}/queues/elsewhere")).StatusCode);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("Work queue", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_work_queue_entry_out_of_range_is_refused_naming_its_line()
    {
        _cli.WriteFile("flow.sh", "# flow: shared\necho hi\n");
        _cli.WriteFile(FlowProject.ManifestFileName, """
            work_queues:
              - pool: some-pool
                name: team-a
                weight: 5000
            """);

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "fair", "--pool", "some-pool");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("'weight' must be a whole number from 1 to 1000", result.Output, StringComparison.Ordinal);
        Assert.Contains("line 4", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ls_inspect_pause_resume_delete_a_queue()
    {
        var pool = CliHarness.Unique("queue-pool");
        await _rest.CreatePoolAsync(pool);

        var created = await _cli.RunAsync("work-queue", "create", "critical", "--pool", pool, "--priority", "5", "--limit", "2");
        var listed = await _cli.RunAsync("work-queue", "ls", "--pool", pool);
        var inspected = await _cli.RunAsync("--output", "json", "work-queue", "inspect", "critical", "--pool", pool);
        var paused = await _cli.RunAsync("work-queue", "pause", "critical", "--pool", pool);
        var afterPause = await _cli.RunAsync("--output", "json", "work-queue", "inspect", "critical", "--pool", pool);
        var resumed = await _cli.RunAsync("work-queue", "resume", "critical", "--pool", pool);
        var updated = await _cli.RunAsync("work-queue", "update", "critical", "--pool", pool, "--priority", "7", "--no-limit");
        var afterUpdate = await _cli.RunAsync("--output", "json", "work-queue", "inspect", "critical", "--pool", pool);
        var deleted = await _cli.RunAsync("work-queue", "delete", "critical", "--pool", pool);
        var afterDelete = await _cli.RunAsync("--output", "json", "work-queue", "ls", "--pool", pool);

        Assert.Equal(0, created.ExitCode);
        Assert.Contains("Created work queue 'critical'", created.Output, StringComparison.Ordinal);
        Assert.Contains("priority 5 and concurrency limit 2", created.Output, StringComparison.Ordinal);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("critical", listed.Output, StringComparison.Ordinal);
        Assert.Contains("default", listed.Output, StringComparison.Ordinal);
        var queue = JsonNode.Parse(inspected.Output)!;
        Assert.Equal(5, (int?)queue["priority"]);
        Assert.Equal(2, (int?)queue["concurrencyLimit"]);
        Assert.Equal(0, paused.ExitCode);
        Assert.Equal("Paused", (string?)JsonNode.Parse(afterPause.Output)!["status"]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(0, updated.ExitCode);
        Assert.Equal(7, (int?)JsonNode.Parse(afterUpdate.Output)!["priority"]);
        Assert.Null(JsonNode.Parse(afterUpdate.Output)!["concurrencyLimit"]);
        Assert.Equal(0, deleted.ExitCode);
        var names = JsonNode.Parse(afterDelete.Output)!.AsArray().Select(q => (string?)q!["name"]).ToList();
        Assert.Equal(["default"], names);
    }

    [Fact]
    public async Task Ls_without_pool_lists_queues_of_every_pool()
    {
        var first = CliHarness.Unique("all-a");
        var second = CliHarness.Unique("all-b");
        await _rest.CreatePoolAsync(first);
        await _rest.CreatePoolAsync(second);

        var listed = await _cli.RunAsync("--output", "json", "work-queue", "ls");

        var pools = JsonNode.Parse(listed.Output)!.AsArray().Select(q => (string?)q!["poolName"]).ToHashSet();
        Assert.Contains(first, pools);
        Assert.Contains(second, pools);
    }

    [Fact]
    public async Task Deleting_the_default_queue_is_refused_with_exit_code_1()
    {
        var pool = CliHarness.Unique("nodelete");
        await _rest.CreatePoolAsync(pool);

        var result = await _cli.RunAsync("work-queue", "delete", "default", "--pool", pool);

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("Conflict", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_pool_is_a_usage_error()
    {
        var result = await _cli.RunAsync("work-queue", "create", "critical");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--pool is required", result.Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }
}

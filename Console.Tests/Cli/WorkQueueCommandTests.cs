using System.Text.Json.Nodes;
using Console.Cli.Hosting;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class WorkQueueCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

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

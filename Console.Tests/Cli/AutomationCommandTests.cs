using System.Text.Json.Nodes;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class AutomationCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }

    [Fact]
    public async Task Create_from_yaml_ls_inspect_disable_enable_test_and_delete_an_automation()
    {
        var pool = CliHarness.Unique("auto-pool");
        await _rest.CreatePoolAsync(pool);
        var name = CliHarness.Unique("cli-auto");
        var file = _cli.WriteFile("automation.yaml", $"""
            name: {name}
            description: pause the pool when its worker goes
            trigger:
              type: workerOffline
              pool: {pool}
            actions:
              - type: pauseWorkPool
                pool: {pool}
              - type: webhook
                url: http://127.0.0.1:9/hook
                secret: yaml-secret
            cooldownSeconds: 60
            """);

        var created = await _cli.RunAsync("automation", "create", "-f", file);
        var listed = await _cli.RunAsync("automation", "ls");
        var inspected = await _cli.RunAsync("--output", "json", "automation", "inspect", name);
        var disabled = await _cli.RunAsync("automation", "disable", name);
        var afterDisable = await _cli.RunAsync("--output", "json", "automation", "inspect", name);
        var enabled = await _cli.RunAsync("automation", "enable", name);
        var tested = await _cli.RunAsync("automation", "test", name);
        var deleted = await _cli.RunAsync("automation", "delete", name, "--yes");
        var afterDelete = await _cli.RunAsync("--output", "json", "automation", "ls");

        Assert.Equal(0, created.ExitCode);
        Assert.Contains($"Created automation '{name}' (enabled): a worker goes offline in {pool}", created.Output, StringComparison.Ordinal);
        Assert.Contains(name, listed.Output, StringComparison.Ordinal);
        var automation = JsonNode.Parse(inspected.Output)!;
        Assert.Equal(60, (int?)automation["cooldownSeconds"]);
        Assert.Equal("pauseWorkPool", (string?)automation["actions"]![0]!["type"]);
        Assert.True((bool?)automation["actions"]![1]!["hasSecret"]);
        Assert.DoesNotContain("yaml-secret", inspected.Output, StringComparison.Ordinal);
        Assert.Equal(0, disabled.ExitCode);
        Assert.False((bool?)JsonNode.Parse(afterDisable.Output)!["enabled"]);
        Assert.Equal(0, enabled.ExitCode);
        Assert.Equal(0, tested.ExitCode);
        Assert.Contains("Fired 2 action(s) with a sample event", tested.Output, StringComparison.Ordinal);
        Assert.Equal(0, deleted.ExitCode);
        Assert.DoesNotContain(JsonNode.Parse(afterDelete.Output)!.AsArray(), a => (string?)a!["name"] == name);
    }

    [Fact]
    public async Task Bad_yaml_and_an_invalid_automation_are_readable_errors()
    {
        var broken = _cli.WriteFile("broken.yaml", "name: [unclosed\n");
        var invalid = _cli.WriteFile("invalid.yaml", "name: x\ntrigger:\n  type: sometimes\nactions: []\n");

        var yaml = await _cli.RunAsync("automation", "create", "-f", broken);
        var rules = await _cli.RunAsync("automation", "create", "-f", invalid);
        var missing = await _cli.RunAsync("automation", "create", "-f", "nowhere.yaml");

        Assert.NotEqual(0, yaml.ExitCode);
        Assert.Contains("broken.yaml", yaml.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, rules.ExitCode);
        Assert.Contains("trigger.type", rules.Output, StringComparison.Ordinal);
        Assert.Contains("actions", rules.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("There is no file 'nowhere.yaml'", missing.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", yaml.Output + rules.Output + missing.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_lists_past_events_and_follow_prints_new_ones_live()
    {
        var pool = CliHarness.Unique("ev-pool");
        await _rest.CreatePoolAsync(pool);
        await _rest.SetPoolPausedAsync(pool, paused: true);

        var past = await _cli.RunAsync("--output", "json", "events", "--pool", pool);
        Assert.Equal(0, past.ExitCode);
        Assert.Contains(JsonNode.Parse(past.Output)!.AsArray(), e => (string?)e!["type"] == "workPool.paused");

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var console = CliHarness.NewConsole();
        var following = _cli.RunAsync(console, stop.Token, "events", "--type", "workPool.resumed", "--follow");
        await Wait.UntilAsync(async () =>
        {
            // Resumes until the follow (which may still be connecting) prints one.
            await _rest.SetPoolPausedAsync(pool, paused: true);
            await _rest.SetPoolPausedAsync(pool, paused: false);
            // Its own name: other tests' resumes may be among the past events printed first.
            return CliHarness.Printed(console, pool);
        }, "cx events --follow to print the pool's resume", 30);

        // That one may have come with the past events; a pool made after it can only arrive live.
        var later = CliHarness.Unique("ev-later");
        await _rest.CreatePoolAsync(later);
        await Wait.UntilAsync(async () =>
        {
            await _rest.SetPoolPausedAsync(later, paused: true);
            await _rest.SetPoolPausedAsync(later, paused: false);
            return CliHarness.Printed(console, later);
        }, "cx events --follow to print an event that happened after it started", 30);
        await stop.CancelAsync();
        var result = await following;
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(pool, result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("workPool.paused", result.Output, StringComparison.Ordinal);
    }
}

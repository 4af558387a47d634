using System.Text.Json.Nodes;
using Console.Tests.Infrastructure;

namespace Console.Tests.Cli;

/// <summary>The CLI creates docker-swarm pools as it does docker ones and prints their default template.</summary>
[Collection(CliCollection.Name)]
public sealed class SwarmPoolCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);

    [Fact]
    public async Task Work_pool_create_with_type_docker_swarm_creates_a_swarm_pool()
    {
        var name = CliHarness.Unique("my-swarm-pool");

        var created = await _cli.RunAsync("work-pool", "create", "--type", "docker-swarm", name);
        var inspected = await _cli.RunAsync("--output", "json", "work-pool", "inspect", name);

        Assert.Equal(0, created.ExitCode);
        Assert.Contains($"Created work pool '{name}' of type docker-swarm", created.Output, StringComparison.Ordinal);
        var pool = JsonNode.Parse(inspected.Output)!;
        Assert.Equal("docker-swarm", (string?)pool["type"]);
        Assert.NotNull(pool["baseJobTemplate"]!["variables"]!["properties"]!["constraints"]);
    }

    [Fact]
    public async Task The_default_template_of_docker_swarm_is_printed_as_json()
    {
        var template = await _cli.RunAsync("work-pool", "get-default-base-job-template", "--type", "docker-swarm");

        Assert.Equal(0, template.ExitCode);
        var properties = JsonNode.Parse(template.Output)!["variables"]!["properties"]!.AsObject();
        Assert.True(properties.ContainsKey("resources"));
        Assert.True(properties.ContainsKey("constraints"));
    }

    public void Dispose() => _cli.Dispose();
}

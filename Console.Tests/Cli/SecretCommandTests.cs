using System.Text.Json.Nodes;
using Console.Cli.Hosting;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.Cli;

/// <summary><c>cx secret set|ls|rm</c> against the shared (open) CLI test server: values go in, never come out.</summary>
[Collection(CliCollection.Name)]
public sealed class SecretCommandTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    [Fact]
    public async Task Set_from_stdin_ls_replace_and_rm_never_print_the_value()
    {
        var name = CliHarness.Unique("cli-secret");
        var first = "first-" + Guid.NewGuid().ToString("N");
        var second = "second-" + Guid.NewGuid().ToString("N");

        _cli.Services = s => s.AddSingleton(new StandardInput(new StringReader(first + "\n")));
        var created = await _cli.RunAsync("secret", "set", name, "--value-from-stdin", "--description", "for the cli test");
        _cli.Services = null;
        var listed = await _cli.RunAsync("secret", "ls");
        var json = await _cli.RunAsync("--output", "json", "secret", "ls");
        var replaced = await _cli.RunAsync("secret", "set", name, "--value", second);
        var afterReplace = await _cli.RunAsync("--output", "json", "secret", "ls");
        var removed = await _cli.RunAsync("secret", "rm", name, "--yes");
        var afterRemove = await _cli.RunAsync("--output", "json", "secret", "ls");

        Assert.Equal(0, created.ExitCode);
        Assert.Contains($"Created secret '{name}'", created.Output, StringComparison.Ordinal);
        Assert.Contains($"{{{{ secret.{name} }}}}", created.Output, StringComparison.Ordinal);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(name, listed.Output, StringComparison.Ordinal);
        Assert.Contains("for the cli test", listed.Output, StringComparison.Ordinal);
        Assert.Equal(0, replaced.ExitCode);
        Assert.Contains($"Replaced the value of secret '{name}'", replaced.Output, StringComparison.Ordinal);
        var entry = JsonNode.Parse(afterReplace.Output)!.AsArray().Single(s => (string?)s!["name"] == name)!;
        Assert.Equal("for the cli test", (string?)entry["description"]);
        Assert.Equal(0, removed.ExitCode);
        Assert.DoesNotContain(JsonNode.Parse(afterRemove.Output)!.AsArray(), s => (string?)s!["name"] == name);
        foreach (var result in new[] { created, listed, json, replaced, afterReplace, removed })
        {
            Assert.DoesNotContain(first, result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(second, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Errors_are_readable_both_value_options_an_empty_stdin_a_secret_in_use_and_a_missing_one()
    {
        var both = await _cli.RunAsync("secret", "set", "x", "--value", "v", "--value-from-stdin");
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Contains("Give --value or --value-from-stdin, not both.", both.Output, StringComparison.Ordinal);

        _cli.Services = s => s.AddSingleton(new StandardInput(new StringReader(string.Empty)));
        var empty = await _cli.RunAsync("--no-prompt", "secret", "set", CliHarness.Unique("empty"), "--value-from-stdin");
        _cli.Services = null;
        Assert.Equal(ExitCodes.Usage, empty.ExitCode);
        Assert.Contains("The value is empty", empty.Output, StringComparison.Ordinal);

        var badName = await _cli.RunAsync("secret", "set", "Bad Name", "--value", "v");
        Assert.Equal(ExitCodes.Error, badName.ExitCode);
        Assert.Contains("is not a valid name", badName.Output, StringComparison.Ordinal);

        var name = CliHarness.Unique("used");
        Assert.Equal(0, (await _cli.RunAsync("secret", "set", name, "--value", "v")).ExitCode);
        var pool = CliHarness.Unique("secret-pool");
        await _rest.CreatePoolAsync(pool);
        var deployment = await _rest.CreateDeploymentAsync(pool, CliHarness.Unique("flow"), "dep", new JsonObject { ["env"] = new JsonObject { ["X"] = $"{{{{ secret.{name} }}}}" } });
        var inUse = await _cli.RunAsync("secret", "rm", name, "--yes");
        Assert.Equal(ExitCodes.Error, inUse.ExitCode);
        Assert.Contains($"{deployment.FlowName}/dep", inUse.Output, StringComparison.Ordinal);
        Assert.Contains("remove those references first", inUse.Output, StringComparison.Ordinal);

        var missing = await _cli.RunAsync("secret", "rm", CliHarness.Unique("nope"), "--yes");
        Assert.Equal(ExitCodes.Error, missing.ExitCode);
        Assert.Contains("does not exist", missing.Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }
}

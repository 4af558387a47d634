using System.Net;
using Console.Contracts;
using Console.Projects.Flows;
using Console.Testing;
using Console.Tests.Infrastructure;
using Console.Tests.Worker;

namespace Console.Tests.Cli;

/// <summary><c>cx deploy --dry-run</c>: the preflight checks and the rendered job, exit 1 on a failed check, nothing saved.</summary>
[Collection(CliCollection.Name)]
public sealed class DeployDryRunTests(ConsoleServer server) : IDisposable
{
    private readonly CliHarness _cli = new(server);
    private readonly HttpClient _rest = server.CreateHttpClient();

    [Fact]
    public async Task Dry_run_with_no_worker_online_prints_the_failed_check_exits_1_and_saves_nothing()
    {
        var pool = CliHarness.Unique("dry-pool");
        await _rest.CreatePoolAsync(pool);
        _cli.WriteFile("flows/hello.sh", "#!/bin/sh\n# flow: hello\necho hello\n");
        var name = CliHarness.Unique("dry");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", pool, "--dry-run", "--job-variable", "env={\"A\":\"1\"}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nothing is saved", result.Output, StringComparison.Ordinal);
        Assert.Contains("FAILED", result.Output, StringComparison.Ordinal);
        Assert.Contains($"No online worker serves queue 'default' of pool '{pool}'", result.Output, StringComparison.Ordinal);
        Assert.Contains("\"command\": \"sh flows/hello.sh\"", result.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _rest.GetAsync(new Uri($"/api/deployments/by-name/hello/{name}", UriKind.Relative))).StatusCode);
        Assert.False(File.Exists(Path.Combine(_cli.WorkingDirectory, FlowProject.ManifestFileName)));
    }

    [Fact]
    public async Task Dry_run_with_a_worker_online_passes_and_exits_0_and_json_output_is_the_answer()
    {
        var pool = CliHarness.Unique("dry-ok");
        await _rest.CreatePoolAsync(pool);
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, pool, ConsoleApi.UniqueName("dry-worker"));
        await Wait.UntilAsync(async () => (await _rest.WorkersAsync(pool)).Any(w => w.Status == WorkerStatus.Online), "the worker to come online");
        _cli.WriteFile("flows/hello.sh", "#!/bin/sh\n# flow: hello\necho hello\n");
        var name = CliHarness.Unique("dry");

        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", name, "-p", pool, "--dry-run");
        var json = await _cli.RunAsync("--no-prompt", "--output", "json", "deploy", "-n", name, "-p", pool, "--dry-run");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("All checks passed", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"ok\": true", json.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _rest.GetAsync(new Uri($"/api/deployments/by-name/hello/{name}", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Dry_run_with_save_is_a_usage_error()
    {
        var result = await _cli.RunAsync("--no-prompt", "deploy", "-n", "x", "-p", "y", "--dry-run", "--save");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--dry-run saves nothing", result.Output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _cli.Dispose();
        _rest.Dispose();
    }
}

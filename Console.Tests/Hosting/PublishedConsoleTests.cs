using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Tests.Flows;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Microsoft.Playwright;

namespace Console.Tests.Hosting;

/// <summary>
/// The console as docs/deploy.md publishes it for a host (scripts/publish-console.sh): self-contained,
/// its framework trimmed. The trimmer drops what nothing references, and the console's libraries find
/// some of it by name (Hangfire loads its jobs' types so), so this runs the published executable as a
/// user would and checks what such a loss would break: the server jobs, the embedded worker, the pages
/// (in Chromium too: trimmed, Blazor's assemblies served the pages but never filled their live tables).
/// </summary>
public sealed class PublishedConsoleTests : IDisposable
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("console-published-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task The_published_console_runs_its_jobs_a_flow_and_its_pages()
    {
        var app = Path.Combine(_folder.FullName, "app");
        var (code, stdout, stderr) = await Shell.BashAsync($"scripts/publish-console.sh '{app}'", Repository.Root, new Dictionary<string, string>(), PublishTimeout);
        Assert.True(code == 0, $"scripts/publish-console.sh failed ({code}):\n{stdout}\n{stderr}");
        Assert.Contains($"cd {app} && ./Console.Web", stdout, StringComparison.Ordinal);

        var log = Path.Combine(_folder.FullName, "server.log");
        await using var server = await ServerProcess.StartAsync(new ServerStart(Path.Combine(app, "Console.Web.dll"), Path.Combine(_folder.FullName, "run"))
        {
            AppHost = Path.Combine(app, "Console.Web"),
            LogPath = log,
            Settings = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Worker:Enabled"] = "true",
                ["Worker:Pools:0"] = "published-pool",
                ["Worker:StateDirectory"] = Path.Combine(_folder.FullName, "run", "worker"),
            },
        });
        using var client = server.CreateHttpClient();

        // Every server job due within the wait ran: Hangfire found each job's method by the type names
        // it stored (the hourly retention job is not due yet).
        var health = await Wait.ForAsync(async () =>
        {
            var body = JsonNode.Parse(await client.GetStringAsync(new Uri("/healthz", UriKind.Relative)))!;
            return body["jobs"]!.AsArray().All(j => j!["intervalSeconds"]!.GetValue<int>() > 60 || j["lastRunAt"] is not null) ? body : null;
        }, 60, "every server job due in a minute to have run");
        Assert.Equal("Healthy", health["status"]!.GetValue<string>());
        Assert.Contains(health["jobs"]!.AsArray(), j => j!["id"]!.GetValue<string>() == "foreman" && j["lastRunAt"] is not null);

        // The embedded worker creates its pool when it starts.
        var worker = await Wait.ForAsync(async () =>
        {
            using var response = await client.GetAsync(new Uri("/api/work-pools/published-pool/workers", UriKind.Relative));
            return response.StatusCode == HttpStatusCode.OK
                ? (await response.ReadAsync<List<WorkerDto>>()).FirstOrDefault(w => w.Status == WorkerStatus.Online)
                : null;
        }, 60, "the embedded worker to be Online");
        var run = await client.RunAsync("published-pool", "sh -c 'echo hello from the published console'", docker: false);
        var done = await client.WaitForStateAsync(run.Id, s => s.IsTerminal(), $"run {run.Id} to end");
        Assert.Equal(FlowRunState.Completed, done.State);

        // The pages: the app's own markup and the framework's script from the published web root.
        using var page = await client.GetAsync(new Uri("/work-pools", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("_framework/blazor.web.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var script = await client.GetAsync(new Uri("/_framework/blazor.web.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);

        // The live page in a real browser: the Workers tab's row comes over Blazor's circuit.
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFixture.LaunchAsync(playwright, TestEnvironment.RequireChromium());
        var tab = await BrowserFixture.NewPageAsync(browser, server.BaseUrl);
        await tab.GotoAsync("/work-pools/published-pool?tab=workers");
        await Assertions.Expect(tab.Locator($"td[data-worker='{worker.Name}']")).ToBeVisibleAsync();

        var lines = await File.ReadAllLinesAsync(log);
        Assert.DoesNotContain(lines, l => l.Contains("fail:", StringComparison.Ordinal));
    }
}

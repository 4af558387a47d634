using Console.Contracts.FlowRuns;
using Console.Testing;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Console.Web.ScaleOut;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests.ScaleOut;

/// <summary>
/// Runs finish on replica B while Redis is down for 30 s: a flow runs page served by replica A
/// heard none of it, and shows every run's final state once Redis is back, without a reload.
/// </summary>
public sealed class RedisResyncBrowserTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private readonly SharedDatabase _database = new();
    private readonly PrivateRedis _redis = new();
    private ReplicaServer? _a;
    private ReplicaServer? _b;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        _redis.Start();
        var settings = new Dictionary<string, string?>(_database.Settings)
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionString,
            ["ScaleOut:ChannelPrefix"] = $"console-test-{Guid.NewGuid():N}",
            ["ScaleOut:MaxReconnectDelaySeconds"] = "2",
        };
        _a = new ReplicaServer(settings);
        _b = new ReplicaServer(settings);
        await Task.WhenAll(Relay(_a).Subscribed, Relay(_b).Subscribed).WaitAsync(TimeSpan.FromSeconds(30));
        var chromium = TestEnvironment.RequireChromium();
        _playwright = await Playwright.CreateAsync();
        _browser = await BrowserFixture.LaunchAsync(_playwright, chromium);
        _page = await BrowserFixture.NewPageAsync(_browser, _a.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>After <see cref="DisposeAsync"/> (xunit calls both): the browser is closed.</summary>
    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
        _redis.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task A_page_on_replica_A_shows_the_final_state_of_runs_that_ended_on_B_during_a_Redis_outage()
    {
        using var b = _b!.CreateHttpClient();
        var pool = ConsoleApi.UniqueName("resync");
        await b.CreatePoolAsync(pool);
        var deployment = await b.CreateDeploymentAsync(pool, "etl", ConsoleApi.UniqueName("outage"));
        var runs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add((await b.CreateRunAsync(deployment.Id)).Id);
        }

        var page = new FlowRunPage(_page);
        await page.GotoAsync("/flow-runs");
        foreach (var id in runs)
        {
            // Scheduled, or Late once its expected start (now) is 15 s past.
            await Expect(State(id)).ToHaveAttributeAsync("data-status", new System.Text.RegularExpressions.Regex("^(Scheduled|Late)$"));
        }

        await page.MarkDocumentAsync();

        _redis.Stop();
        var down = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(runs.Count, (await b.ClaimAsync(pool, "worker-on-b")).Count);
        await b.SetStateAsync(runs[0], FlowRunState.Running);
        await b.SetStateAsync(runs[0], FlowRunState.Completed, exitCode: 0);
        await b.SetStateAsync(runs[1], FlowRunState.Running);
        await b.SetStateAsync(runs[1], FlowRunState.Failed, exitCode: 2);
        await b.SetStateAsync(runs[2], FlowRunState.Running);
        await b.SetStateAsync(runs[2], FlowRunState.Completed, exitCode: 0);
        // A heard none of it: its page still shows the runs as it last knew them.
        await Expect(State(runs[0])).Not.ToHaveAttributeAsync("data-status", "Completed");
        // The outage lasts its full length (a scenario's duration, not a wait for a condition).
        await Task.Delay(Outage - down.Elapsed);
        _redis.Start();

        var final = new Dictionary<Guid, string> { [runs[0]] = "Completed", [runs[1]] = "Failed", [runs[2]] = "Completed" };
        foreach (var (id, state) in final)
        {
            await Expect(State(id)).ToHaveAttributeAsync("data-status", state, new() { Timeout = 60_000 });
        }

        Assert.True(await page.IsSameDocumentAsync(), "the page reloaded instead of resynchronising");
    }

    private ILocator State(Guid run) =>
        _page.Locator("tr", new() { Has = _page.Locator($"td[data-run='{run}']") }).Locator("[data-testid=run-state]");

    private static RedisFeedRelay Relay(ReplicaServer server) => server.Services.GetRequiredService<RedisFeedRelay>();
}

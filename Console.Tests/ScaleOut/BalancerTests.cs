using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Console.Cli.Hosting;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Contracts.Security;
using Console.Core.Feed;
using Console.Core.Security;
using Console.Testing;
using Console.Tests.Cli;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.ScaleOut;

/// <summary>
/// Two replicas behind a real round-robin HAProxy running docs/deploy.md's configuration: the
/// CLI's watch gets live updates through it (no sticky session), and drops a run's event that
/// arrives after a newer one.
/// </summary>
public sealed class BalancerTests(ReplicaPair replicas) : IClassFixture<ReplicaPair>
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Cx_watch_through_round_robin_HAProxy_gets_live_updates_and_drops_a_stale_event()
    {
        await using var balancer = await Haproxy.StartAsync(replicas.A.BaseUrl, replicas.B.BaseUrl);
        try
        {
            await WatchThroughAsync(balancer);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{ex.Message}\n{balancer.RecentOutput()}", ex);
        }
    }

    private async Task WatchThroughAsync(Haproxy balancer)
    {
        // A proxied request is not "from this machine": behind the balancer every client needs a key.
        string key;
        await using (var scope = replicas.A.Services.CreateAsyncScope())
        {
            key = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(new CreateApiKeyRequest { Name = "admin", Role = Roles.Admin })).Key;
        }

        using var viaBalancer = ConsoleApi.CreateHttpClient(new Uri(balancer.Url));
        using var a = replicas.A.CreateHttpClient();
        using var b = replicas.B.CreateHttpClient();
        foreach (var client in new[] { viaBalancer, a, b })
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var pool = ConsoleApi.UniqueName("balanced");
        await viaBalancer.CreatePoolAsync(pool);
        var deployment = await viaBalancer.CreateDeploymentAsync(pool, "etl", ConsoleApi.UniqueName("watched"));

        using var cli = new CliHarness(replicas.A);
        cli.Environment[CliEnvironment.ApiUrlVariable] = balancer.Url;
        cli.Environment[CliEnvironment.ApiKeyVariable] = key;
        var console = CliHarness.NewConsole();
        var watch = cli.RunAsync(console, "deployment", "run", $"etl/{deployment.Name}", "--watch");
        var run = await Wait.ForAsync(async () =>
            (await viaBalancer.GetJsonAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={deployment.Id}")).FirstOrDefault());

        // A hub client of the test's own, through the balancer too: it tells when an event has been delivered.
        var heard = new ConcurrentQueue<FlowRunDto>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl($"{balancer.Url}/hubs/live", HttpTransportType.WebSockets, o =>
            {
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(key);
            })
            .AddJsonProtocol(o => ConsoleJson.Configure(o.PayloadSerializerOptions))
            .Build();
        using var on = hub.On<FlowRunDto>("FlowRunChanged", heard.Enqueue);
        await hub.StartAsync();
        await hub.InvokeAsync("WatchFlowRun", run.Id);

        Assert.Single(await a.ClaimAsync(pool, "worker-1"));
        var pending = await a.GetRunAsync(run.Id);
        await b.SetStateAsync(run.Id, FlowRunState.Running);
        await Wait.UntilAsync(() => CliHarness.Printed(console, "is Running"), "the watch to print Running", 30);
        var running = await b.GetRunAsync(run.Id);
        Assert.True(running.Version > pending.Version, $"the version did not grow: Pending {pending.Version}, Running {running.Version}");

        // The Pending event comes late, as one relayed by another replica may: the watch must not go back.
        replicas.A.Services.GetRequiredService<IChangeFeed>().Publish(new FlowRunChanged(pending));
        await Wait.UntilAsync(() => heard.Any(r => r.Id == run.Id && r.State == FlowRunState.Pending && r.Version == pending.Version),
            "the stale Pending to reach hub clients", 30);
        await a.SetStateAsync(run.Id, FlowRunState.Completed, exitCode: 0);
        var result = await watch.WaitAsync(WatchTimeout);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("Live updates are not available", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("polling", result.Output, StringComparison.Ordinal);
        var lastPending = result.Output.LastIndexOf("is Pending", StringComparison.Ordinal);
        var firstRunning = result.Output.IndexOf("is Running", StringComparison.Ordinal);
        Assert.True(firstRunning > 0 && lastPending < firstRunning, $"Pending was shown after Running:\n{result.Output}");
        Assert.Contains("is Completed", result.Output, StringComparison.Ordinal);
    }
}

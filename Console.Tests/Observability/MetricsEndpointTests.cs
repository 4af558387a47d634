using System.Net;
using Console.Contracts;
using Console.Tests.Api;
using Console.Tests.Infrastructure;
using static Console.Testing.PrometheusText;

namespace Console.Tests.Observability;

/// <summary>/metrics scraped after real claims and log posts: names, labels and values.</summary>
public sealed class MetricsEndpointTests(ApiFactory factory) : ApiTestBase(factory), IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Claims_latency_logs_and_gauges_show_with_pool_labels()
    {
        var pool = (await CreatePoolAsync()).Name;
        var deployment = await CreateDeploymentAsync(pool);
        for (var i = 0; i < 3; i++)
        {
            await RunAsync(deployment.Id);
        }

        var claimed = await PollAsync(pool, "w1", limit: 3);
        Assert.Equal(3, claimed.Count);
        await RunAsync(deployment.Id, new CreateFlowRunRequest { ScheduledStartAt = DateTime.UtcNow.AddHours(1) });
        var logs = await Client.PostJsonAsync($"/api/flow-runs/{claimed[0].Id}/logs",
            Enumerable.Range(0, 5).Select(i => new NewLogLine { Message = $"line {i}" }).ToList());
        Assert.Equal(HttpStatusCode.NoContent, logs.StatusCode);

        // The database gauges are cached for 5 s: wait for a snapshot taken after the setup.
        var metrics = string.Empty;
        await Wait.UntilAsync(async () => TryValue(metrics = await ScrapeAsync(), "console_flow_runs", ("pool", pool), ("state", "Pending")) == 3, "the metric to show it", 15);

        Assert.Equal(3, Value(metrics, "console_flow_runs_claimed_total", ("pool", pool)));
        Assert.Equal(3, Value(metrics, "console_flow_runs_claim_latency_seconds_count", ("pool", pool)));
        Assert.Equal(3, Value(metrics, "console_flow_runs_claim_latency_seconds_bucket", ("pool", pool), ("le", "+Inf")));
        Assert.InRange(Value(metrics, "console_flow_runs_claim_latency_seconds_sum", ("pool", pool)), 0, 60);
        Assert.Equal(5, Value(metrics, "console_log_lines_ingested_total", ("pool", pool)));
        Assert.Equal(3, Value(metrics, "console_flow_runs", ("pool", pool), ("state", "Pending")));
        Assert.Equal(1, Value(metrics, "console_flow_runs", ("pool", pool), ("state", "Scheduled")));
        Assert.Equal(1, Value(metrics, "console_queue_backlog", ("pool", pool), ("queue", "default"), ("state", "scheduled")));
        Assert.Equal(0, Value(metrics, "console_queue_backlog", ("pool", pool), ("queue", "default"), ("state", "late")));
        Assert.Equal(0, Value(metrics, "console_queue_oldest_wait_seconds", ("pool", pool), ("queue", "default")));
        Assert.Equal(1, Value(metrics, "console_workers_online", ("pool", pool)));
    }

    [Fact]
    public async Task A_waiting_long_poll_counts_while_it_waits()
    {
        var pool = (await CreatePoolAsync()).Name;
        using var client = Factory.CreateClient();
        var poll = client.PostJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = "w1", WaitSeconds = 5 });

        await Wait.UntilAsync(async () => TryValue(await ScrapeAsync(), "console_polls_waiting", ("pool", pool)) == 1, "the metric to show it", 15);
        Assert.Equal(HttpStatusCode.OK, (await poll).StatusCode);
        await Wait.UntilAsync(async () => TryValue(await ScrapeAsync(), "console_polls_waiting", ("pool", pool)) == 0, "the metric to show it", 15);
    }

    [Fact]
    public async Task Another_host_in_the_same_process_never_shows_in_this_hosts_metrics()
    {
        // Two consoles in one process (as test hosts and side-by-side replicas are) each listen to
        // the meter name "Console": each must export its own series only.
        await using var other = new ApiFactory();
        using var otherClient = other.CreateClient();
        var otherPool = Unique("other");
        Assert.Equal(HttpStatusCode.Created, (await otherClient.PostJsonAsync("/api/work-pools", new CreateWorkPoolRequest { Name = otherPool, Type = "process" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await otherClient.PostJsonAsync($"/api/work-pools/{otherPool}/poll", new PollRequest { WorkerName = "w1" })).StatusCode);
        Assert.Equal(1, TryValue(await otherClient.GetStringAsync("/metrics"), "console_workers_online", ("pool", otherPool)));

        var pool = (await CreatePoolAsync()).Name;
        await PollAsync(pool, "w1");
        var metrics = await ScrapeAsync();
        Assert.Equal(1, Value(metrics, "console_workers_online", ("pool", pool)));
        Assert.DoesNotContain(otherPool, metrics, StringComparison.Ordinal);
    }

    private async Task<string> ScrapeAsync()
    {
        var response = await Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

}

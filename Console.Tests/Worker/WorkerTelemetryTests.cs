using System.Net;
using System.Text.Json.Nodes;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using static Console.Testing.PrometheusText;
using static Console.Tests.Worker.WorkerTestKit;

namespace Console.Tests.Worker;

/// <summary>The worker's own scrape port: /metrics after real runs, /health that turns 503 when polling stops or the engine is away.</summary>
public sealed class WorkerTelemetryTests : IDisposable
{
    private readonly string _pool = "tel-" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _worker = "w-" + Guid.NewGuid().ToString("N")[..10];
    private readonly HttpClient _scraper = new();

    [Fact]
    public async Task Metrics_count_the_runs_and_health_turns_unhealthy_when_the_server_is_gone()
    {
        var server = new ConsoleServer();
        using var http = server.CreateHttpClient();
        await http.CreatePoolAsync(_pool, "process");
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, _pool, _worker, Telemetry(pollWait: 1, heartbeat: 1));
        var address = worker.Telemetry.Address ?? throw new InvalidOperationException("the telemetry port is not listening");

        var run = await http.RunAsync(_pool, "sh -c 'echo measured'", docker: false);
        await http.WaitForStateAsync(run.Id, FlowRunState.Completed);
        await Wait.UntilAsync(() => worker.Processor.ActiveRuns.Count == 0, "the run's slot to be free");

        var metrics = await _scraper.GetStringAsync(new Uri(address, "metrics"));
        Assert.Equal(1, Value(metrics, "console_worker_infrastructure_start_time_seconds_count", ("pool", _pool), ("type", "process")));
        Assert.Equal(0, Value(metrics, "console_worker_runs_in_flight", ("pool", _pool)));
        Assert.True(Value(metrics, "console_worker_polls_total", ("pool", _pool)) >= 1);

        var healthy = await HealthAsync(address);
        Assert.Equal(HttpStatusCode.OK, healthy.Status);
        Assert.True(healthy.Body["isHealthy"]!.GetValue<bool>());
        Assert.Equal(_pool, healthy.Body["pools"]![0]!["pool"]!.GetValue<string>());

        // The server goes away: polls fail, and once a long-poll plus three heartbeats have passed
        // without one the worker says so, with its reason, and counts the reports it keeps.
        await server.DisposeAsync();
        (HttpStatusCode Status, JsonObject Body) sick = (default, []);
        await Wait.UntilAsync(async () => (sick = await HealthAsync(address)).Status == HttpStatusCode.ServiceUnavailable, "/health to answer 503");
        Assert.False(sick.Body["isHealthy"]!.GetValue<bool>());
        Assert.Contains("No poll has succeeded since", sick.Body["pools"]![0]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_503_with_the_engine_error_while_the_docker_engine_is_unreachable()
    {
        await using var server = new ConsoleServer();
        using var http = server.CreateHttpClient();
        await http.CreatePoolAsync(_pool, "docker");
        var settings = Telemetry(pollWait: 1, heartbeat: 1);
        settings["Worker:DockerHost"] = "unix:///nonexistent/docker.sock";
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, _pool, _worker, settings);
        var address = worker.Telemetry.Address!;

        (HttpStatusCode Status, JsonObject Body) health = (default, []);
        // While starting it is unhealthy too ("Starting."); then it names the engine.
        await Wait.UntilAsync(async () => (health = await HealthAsync(address)).Status == HttpStatusCode.ServiceUnavailable
            && health.Body["pools"]![0]!["reason"]!.GetValue<string>() != "Starting.", "/health to answer 503 with the engine's error");
        Assert.Contains("unreachable", health.Body["pools"]![0]!["reason"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.True(health.Body["serverReachable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Without_a_metrics_port_nothing_listens()
    {
        await using var server = new ConsoleServer();
        using var http = server.CreateHttpClient();
        await http.CreatePoolAsync(_pool, "process");
        await using var worker = await WorkerHost.StartAsync(server.BaseUrl, _pool, _worker);
        Assert.Null(worker.Telemetry.Address);
    }

    public void Dispose() => _scraper.Dispose();

    private static Dictionary<string, string?> Telemetry(int pollWait, int heartbeat) => new()
    {
        ["Worker:MetricsPort"] = "0",
        ["Worker:PollWaitSeconds"] = pollWait.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Worker:HeartbeatIntervalSeconds"] = heartbeat.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task<(HttpStatusCode Status, JsonObject Body)> HealthAsync(Uri address)
    {
        using var response = await _scraper.GetAsync(new Uri(address, "health"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Console.Testing;
using Console.Tests.Infrastructure;
using Console.Web.Jobs;

namespace Console.Tests.ScaleOut;

/// <summary>
/// Two replicas on one PostgreSQL: one runs the server jobs, the other only serves. The serving
/// one's /healthz and /metrics show the jobs running, then Degraded once the job replica is gone.
/// </summary>
public sealed class ServerJobHealthTests : IDisposable
{
    private readonly SharedDatabase _database = new();
    private readonly ReplicaServer _jobs;
    private readonly ReplicaServer _serving;

    public ServerJobHealthTests()
    {
        _jobs = new ReplicaServer(new Dictionary<string, string?>(_database.Settings) { ["Jobs:Enabled"] = "true" });
        _serving = new ReplicaServer(_database.Settings);
    }

    public void Dispose()
    {
        _jobs.Dispose();
        _serving.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task Healthz_and_metrics_report_a_server_job_that_stopped_running()
    {
        using var http = _serving.CreateHttpClient();
        var reaper = ServerJobs.LeaseReaper.Id;
        await Wait.UntilAsync(async () => Job(await HealthAsync(http), reaper) is { } job && job["lastRunAt"] is not null && (string?)job["status"] == "Healthy",
            "the serving replica to see the lease reaper run on the other one", 60);
        Assert.Equal("Healthy", (string?)(await HealthAsync(http))["status"]);

        _jobs.Dispose();

        // Three reaper intervals (30 s) after its last pass, plus the two-second cache.
        JsonObject health = [];
        await Wait.UntilAsync(async () => (string?)Job(health = await HealthAsync(http), reaper)!["status"] == "Degraded",
            "/healthz to report the lease reaper Degraded", 60);
        Assert.Equal("Degraded", (string?)health["status"]);
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Matches($"console_server_jobs_overdue[^\\n]*job=\"{reaper}\"[^\\n]*\\}} 1", metrics);
    }

    private static async Task<JsonObject> HealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        // Degraded is still 200: every replica reads the same record, a balancer must not take them all out.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static JsonObject? Job(JsonObject health, string id) =>
        health["jobs"]?.AsArray().OfType<JsonObject>().FirstOrDefault(j => (string?)j["id"] == id);
}

using System.Net;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;

namespace Console.Tests.ScaleOut;

/// <summary>A replica whose Redis does not answer keeps working on its own.</summary>
public sealed class RedisDownTests : IDisposable
{
    private readonly SharedDatabase _database = new();
    private readonly PrivateRedis _redis = new();
    private readonly ReplicaServer _server;
    private readonly HttpClient _http;

    public RedisDownTests()
    {
        _server = new ReplicaServer(new Dictionary<string, string?>(_database.Settings)
        {
            // Never started: nothing listens on its port.
            ["ConnectionStrings:Redis"] = _redis.ConnectionString,
            ["ScaleOut:ChannelPrefix"] = $"console-test-{Guid.NewGuid():N}",
        });
        _http = _server.CreateHttpClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _redis.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task Writes_claims_and_long_poll_wake_ups_work_without_Redis()
    {
        var api = _http;
        var pool = ConsoleApi.UniqueName("alone");
        await api.CreatePoolAsync(pool);
        var deployment = await api.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("flow"), "alone");

        var poll = _http.PostJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = "local", Limit = 1, WaitSeconds = 60 });
        var run = await api.CreateRunAsync(deployment.Id);

        using var response = await poll.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(run.Id, Assert.Single(await response.ReadAsync<List<FlowRunDto>>()).Id);
        var stored = await _http.GetFromJson<FlowRunDto>($"/api/flow-runs/{run.Id}");
        Assert.Equal((FlowRunState.Pending, "local"), (stored.State, stored.WorkerName));
    }
}

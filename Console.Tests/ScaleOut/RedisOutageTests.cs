using System.Net;
using Console.Contracts;
using Console.Contracts.Feed;
using Console.Core.Feed;
using Console.Tests.Infrastructure;
using Console.Tests.Web.Browser;
using Console.Web.ScaleOut;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Tests.ScaleOut;

/// <summary>Two replicas whose Redis comes late, goes away and comes back: they share again without a restart.</summary>
public sealed class RedisOutageTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly SharedDatabase _database = new();
    private readonly PrivateRedis _redis = new();
    private readonly ReplicaServer _a;
    private readonly ReplicaServer _b;
    private readonly HttpClient _http;

    public RedisOutageTests()
    {
        var settings = new Dictionary<string, string?>(_database.Settings)
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionString,
            ["ScaleOut:ChannelPrefix"] = $"console-test-{Guid.NewGuid():N}",
            ["ScaleOut:MaxReconnectDelaySeconds"] = "2",
        };
        _a = new ReplicaServer(settings);
        _b = new ReplicaServer(settings);
        _http = _b.CreateHttpClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _a.Dispose();
        _b.Dispose();
        _redis.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task The_replicas_share_once_Redis_answers_and_again_after_an_outage()
    {
        var api = _http;
        var pool = ConsoleApi.UniqueName("outage");
        await api.CreatePoolAsync(pool);

        // Redis arrives after both replicas started: their relays keep trying until it answers.
        _redis.Start();
        await Task.WhenAll(Relay(_a).Subscribed, Relay(_b).Subscribed).WaitAsync(Timeout);
        Assert.True(await ReachesAAsync(pool, "first", () => api.PollAsync(pool, "first"), Timeout), "a poll on B never reached A");

        // Redis goes away: B keeps answering workers.
        _redis.Stop();
        using (var response = await _http.PostJsonAsync($"/api/work-pools/{pool}/poll", new PollRequest { WorkerName = "during", Limit = 0 }))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Redis is back (empty, as after a restart): the replicas share again on their own.
        _redis.Start();
        using var deadline = new CancellationTokenSource(Timeout);
        var attempt = 0;
        while (!await ReachesAAsync(pool, $"after-{++attempt}", () => api.HeartbeatAsync(pool, $"after-{attempt}"), TimeSpan.FromSeconds(2)))
        {
            Assert.False(deadline.IsCancellationRequested, "the replicas did not share changes again within 60 s of Redis coming back");
        }
    }

    /// <summary>Does the worker change that <paramref name="act"/> makes on B reach A's feed within <paramref name="bound"/>?</summary>
    private async Task<bool> ReachesAAsync(string pool, string worker, Func<Task> act, TimeSpan bound)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = _a.Services.GetRequiredService<IChangeFeed>().Subscribe(change =>
        {
            if (change is WorkerChanged e && e.Worker.PoolName == pool && e.Worker.Name == worker)
            {
                seen.TrySetResult();
            }
        });
        await act();
        try
        {
            await seen.Task.WaitAsync(bound);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static RedisFeedRelay Relay(ReplicaServer server) => server.Services.GetRequiredService<RedisFeedRelay>();
}

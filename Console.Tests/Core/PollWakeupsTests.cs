using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Feed;
using Console.Core.Polling;
using Microsoft.Extensions.Logging.Abstractions;

namespace Console.Tests.Core;

/// <summary>
/// Which waiting polls a change reaches (<see cref="PollWakeups"/>), on the real change feed: a
/// fleet's waiting polls cost the feed one subscription, and a heartbeat reaches none of them.
/// </summary>
public sealed class PollWakeupsTests
{
    private readonly ChangeFeed _feed = new(NullLogger<ChangeFeed>.Instance);

    [Fact]
    public void A_run_change_reaches_the_polls_of_its_own_pool_only()
    {
        using var wakeups = new PollWakeups(_feed);
        var seen = new List<string>();
        using var a1 = wakeups.Register("pool-a", _ => seen.Add("a1"));
        using var a2 = wakeups.Register("pool-a", _ => seen.Add("a2"));
        using var b = wakeups.Register("pool-b", _ => seen.Add("b"));

        _feed.Publish(new FlowRunChanged(Run("pool-a")));

        Assert.Equal(["a1", "a2"], seen.Order());
    }

    [Fact]
    public void Worker_changes_from_a_fleet_of_heartbeats_reach_no_waiting_poll()
    {
        using var wakeups = new PollWakeups(_feed);
        var calls = 0;
        var waiting = Enumerable.Range(0, 1000).Select(_ => wakeups.Register("fleet", _ => Interlocked.Increment(ref calls))).ToList();

        for (var i = 0; i < 1000; i++)
        {
            _feed.Publish(new WorkerChanged(new WorkerDto { Name = $"w{i}", PoolName = "fleet" }));
        }

        Assert.Equal(0, calls);
        _feed.Publish(new FlowRunChanged(Run("fleet")));
        Assert.Equal(1000, calls);
        waiting.ForEach(w => w.Dispose());
    }

    [Fact]
    public void A_poll_that_stopped_waiting_is_not_called_and_leaves_nothing_behind()
    {
        using var wakeups = new PollWakeups(_feed);
        var calls = 0;
        var gone = wakeups.Register("pool-a", _ => calls++);
        using var stays = wakeups.Register("pool-b", _ => { });

        gone.Dispose();
        gone.Dispose();
        _feed.Publish(new FlowRunChanged(Run("pool-a")));

        Assert.Equal(0, calls);
        Assert.Equal(1, wakeups.Count);
    }

    [Fact]
    public void The_wakeups_take_one_subscription_of_the_feed_however_many_polls_wait()
    {
        var feed = new CountingFeed(_feed);
        using var wakeups = new PollWakeups(feed);

        var waiting = Enumerable.Range(0, 100).Select(i => wakeups.Register($"pool-{i % 3}", _ => { })).ToList();
        waiting.ForEach(w => w.Dispose());

        Assert.Equal(1, feed.Subscriptions);
        Assert.Equal(0, wakeups.Count);
    }

    private static FlowRunDto Run(string pool) => new()
    {
        Name = "run",
        FlowName = "flow",
        DeploymentName = "deployment",
        WorkPoolName = pool,
        WorkQueueName = "default",
        Parameters = [],
        JobVariables = new JsonObject(),
        State = FlowRunState.Scheduled,
    };

    private sealed class CountingFeed(IChangeFeed inner) : IChangeFeed
    {
        public int Subscriptions { get; private set; }

        public IDisposable Subscribe(Action<ChangeEvent> handler)
        {
            Subscriptions++;
            return inner.Subscribe(handler);
        }

        public void Publish(ChangeEvent change) => inner.Publish(change);
    }
}

using System.Net;
using Console.Contracts;
using Console.Testing;
using Console.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Api;

/// <summary>
/// A long-poll of a pool this server found empty less than a second ago skips its claim (no claim
/// transaction on /metrics) and still stamps its worker and wakes for new work; a poll that asks
/// for more, comes later, or must write its worker's row claims. With a fake clock, so "less than a
/// second" is exact; every waiting poll is ended by moving the clock past its wait.
/// </summary>
public abstract class EmptyPoolPollTests(ApiFactory factory) : ApiTestBase(factory)
{
    private const double WaitSeconds = 30;

    private readonly FakeTimeProvider _time = factory.Time!;

    [Fact]
    public async Task A_long_poll_of_a_pool_found_empty_a_moment_ago_waits_without_claiming_and_wakes_for_new_work()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        await Client.HeartbeatAsync(pool.Name, "scout");
        await Client.HeartbeatAsync(pool.Name, "idle");
        await PollTwiceAsync(pool.Name, "scout");
        var claims = await TransactionsAsync();

        var poll = PollAsync(pool.Name, "idle", wait: WaitSeconds);
        await PollsWaitingAsync(pool.Name, 1);
        Assert.Equal(claims, await TransactionsAsync());
        var idle = await WorkerAsync(pool.Name, "idle");
        Assert.Equal(WorkerStatus.Online, idle.Status);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, idle.LastPolledAt);
        Assert.False(poll.IsCompleted);

        var run = await RunAsync(deployment.Id);
        Assert.Equal(run.Id, Assert.Single(await poll.WaitAsync(TimeSpan.FromSeconds(10))).Id);
        Assert.Equal(claims + 1, await TransactionsAsync());
    }

    [Fact]
    public async Task A_poll_with_no_wait_a_larger_limit_or_a_second_later_claims()
    {
        var pool = await CreatePoolAsync(type: "process");
        await Client.HeartbeatAsync(pool.Name, "scout");
        await Client.HeartbeatAsync(pool.Name, "idle");
        await PollTwiceAsync(pool.Name, "scout", limit: 2);
        var claims = await TransactionsAsync();

        // No wait: the poll asks what is there now.
        Assert.Empty(await PollAsync(pool.Name, "idle", limit: 1));
        Assert.Equal(claims + 1, await TransactionsAsync());

        // A larger limit reads deeper than the empty claim did.
        var deeper = PollAsync(pool.Name, "idle", limit: 3, wait: WaitSeconds);
        await PollsWaitingAsync(pool.Name, 1);
        Assert.Equal(claims + 2, await TransactionsAsync());

        // A second later the pool's stamps are due and time may have freed a slot.
        _time.Advance(TimeSpan.FromSeconds(1));
        var later = PollAsync(pool.Name, "scout", limit: 1, wait: WaitSeconds);
        await PollsWaitingAsync(pool.Name, 2);
        Assert.Equal(claims + 3, await TransactionsAsync());

        _time.Advance(TimeSpan.FromSeconds(WaitSeconds));
        Assert.Empty(await deeper.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(await later.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_worker_whose_row_its_poll_must_write_or_that_drains_claims_though_its_pool_was_found_empty()
    {
        var pool = await CreatePoolAsync(type: "process");
        await Client.HeartbeatAsync(pool.Name, "scout");
        await Client.HeartbeatAsync(pool.Name, "slower", intervalSeconds: 10);
        await Client.HeartbeatAsync(pool.Name, "leaving");
        await Client.SendAsync<WorkerDto>(HttpMethod.Post, $"/api/work-pools/{pool.Name}/workers/leaving/drain", null, HttpStatusCode.OK);
        var polls = new List<Task<IReadOnlyList<FlowRunDto>>>();

        // Each poll comes right after an empty claim it could have answered with, and claims itself.
        async Task ClaimsAsync(string worker, Func<Task<IReadOnlyList<FlowRunDto>>> poll)
        {
            Assert.Empty(await PollAsync(pool.Name, "scout"));
            var before = await TransactionsAsync();
            polls.Add(poll());
            await Wait.UntilAsync(async () => await TransactionsAsync() > before, $"{worker}'s poll to claim", 10);
            Assert.Equal(before + 1, await TransactionsAsync());
        }

        // Heard from for the first time: the claim writes its row, and it is listed Online.
        await ClaimsAsync("newcomer", () => PollAsync(pool.Name, "newcomer", wait: WaitSeconds));
        Assert.Equal(WorkerStatus.Online, (await WorkerAsync(pool.Name, "newcomer")).Status);

        // A new heartbeat interval is written to its row.
        await ClaimsAsync("slower", () => Client.PollAsync(pool.Name, "slower", limit: null, waitSeconds: WaitSeconds, heartbeatIntervalSeconds: 20));
        Assert.Equal(20, (await WorkerAsync(pool.Name, "slower")).HeartbeatIntervalSeconds);

        // A draining worker's claim is refused, and its poll held.
        await ClaimsAsync("leaving", () => PollAsync(pool.Name, "leaving", wait: WaitSeconds));

        _time.Advance(TimeSpan.FromSeconds(WaitSeconds));
        foreach (var poll in polls)
        {
            Assert.Empty(await poll.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    /// <summary>Claim transactions so far; /metrics answers from the exporter's cache for 300 ms after a scrape, so this reads after that.</summary>
    private async Task<double> TransactionsAsync()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        return (await Client.ClaimTransactionsAsync()).Transactions;
    }

    private async Task<WorkerDto> WorkerAsync(string pool, string name) => (await Client.WorkersAsync(pool)).Single(w => w.Name == name);

    /// <summary>The first poll of a pool turns its queue Ready: a change that voids what that claim found.</summary>
    private async Task PollTwiceAsync(string pool, string worker, int? limit = null)
    {
        Assert.Empty(await PollAsync(pool, worker, limit));
        Assert.Empty(await PollAsync(pool, worker, limit));
    }

    private Task PollsWaitingAsync(string pool, int count) =>
        Wait.UntilAsync(
            async () => PrometheusText.TryValue(await Client.GetStringAsync(new Uri("/metrics", UriKind.Relative)), "console_polls_waiting", ("pool", pool)) == count,
            $"{count} poll(s) waiting in the pool", 10);
}

public sealed class SqliteEmptyPoolPollTests(StatusRuleTests.FakeClockApi factory)
    : EmptyPoolPollTests(factory), IClassFixture<StatusRuleTests.FakeClockApi>;

public sealed class PostgresEmptyPoolPollTests(StatusRuleTests.PostgresFakeClockApi factory)
    : EmptyPoolPollTests(factory), IClassFixture<StatusRuleTests.PostgresFakeClockApi>;

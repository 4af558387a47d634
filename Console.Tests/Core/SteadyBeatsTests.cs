using Console.Contracts.Feed;
using Console.Core.Feed;
using Console.Core.WorkPools;
using Console.Core.Workers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Core;

/// <summary>
/// What <see cref="SteadyBeats"/> guarantees below what an API test can time: a row read while its
/// worker changed is never kept, and each heartbeat stamps its own copy.
/// </summary>
public sealed class SteadyBeatsTests : IDisposable
{
    private readonly ChangeFeed _feed = new(NullLogger<ChangeFeed>.Instance);
    private readonly SteadyBeats _beats;

    public SteadyBeatsTests() => _beats = new SteadyBeats(_feed, new FakeTimeProvider());

    public void Dispose() => _beats.Dispose();

    [Fact]
    public void A_row_read_while_its_worker_changed_is_not_kept_and_one_read_after_is()
    {
        Assert.Null(_beats.Find("pool", "w1", out var before));
        _feed.Publish(new WorkerDeleted("pool", "w1")); // lands while the heartbeat's read is under way
        _beats.Keep(Row("pool", "w1"), before);
        Assert.Null(_beats.Find("pool", "w1", out var after));

        _beats.Keep(Row("pool", "w1"), after);
        Assert.NotNull(_beats.Find("pool", "w1", out _));
    }

    [Fact]
    public void Each_heartbeat_stamps_its_own_copy_of_the_kept_worker()
    {
        _beats.Find("pool", "w1", out var ticket);
        var read = Row("pool", "w1");
        _beats.Keep(read, ticket);
        var stamped = new DateTime(2026, 1, 5, 12, 0, 0, DateTimeKind.Utc);
        read.Worker.LastHeartbeatAt = stamped;

        var first = _beats.Find("pool", "w1", out _)!;
        first.Worker.LastHeartbeatAt = stamped;
        Assert.NotEqual(stamped, _beats.Find("pool", "w1", out _)!.Worker.LastHeartbeatAt);
    }

    private static BeatRow Row(string pool, string worker)
    {
        var workPool = new WorkPool { Name = pool, Type = "docker", BaseJobTemplate = "{}" };
        return new BeatRow { Worker = new PoolWorker { Name = worker, PoolId = workPool.Id, Pool = workPool }, Pool = workPool, Running = 0 };
    }
}

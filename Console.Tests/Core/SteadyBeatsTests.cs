using Console.Contracts.Feed;
using Console.Core.Feed;
using Console.Core.WorkPools;
using Console.Core.Workers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Core;

/// <summary>
/// What <see cref="SteadyBeats"/> guarantees below what an API test can time: a row read while its
/// worker changed is never kept, each heartbeat stamps its own copy, and the rows of workers gone
/// quiet do not stay in memory.
/// </summary>
public sealed class SteadyBeatsTests : IDisposable
{
    private readonly ChangeFeed _feed = new(NullLogger<ChangeFeed>.Instance);
    private readonly FakeTimeProvider _time = new();
    private readonly SteadyBeats _beats;

    public SteadyBeatsTests() => _beats = new SteadyBeats(_feed, _time);

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

    [Fact]
    public void Rows_of_workers_gone_quiet_are_swept_out()
    {
        foreach (var worker in new[] { "gone-1", "gone-2" })
        {
            _beats.Find("pool", worker, out var ticket);
            _beats.Keep(Row("pool", worker), ticket);
        }

        _time.Advance(SteadyBeats.MaxAge);
        _beats.Find("pool", "w1", out var next);
        _beats.Keep(Row("pool", "w1"), next);
        Assert.Equal(1, _beats.Count);
        Assert.Null(_beats.Find("pool", "gone-1", out _));
    }

    private static BeatRow Row(string pool, string worker)
    {
        var workPool = new WorkPool { Name = pool, Type = "docker", BaseJobTemplate = "{}" };
        return new BeatRow { Worker = new PoolWorker { Name = worker, PoolId = workPool.Id, Pool = workPool }, Pool = workPool, Running = 0 };
    }
}

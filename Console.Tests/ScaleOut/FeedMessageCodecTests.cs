using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Feed;
using Console.Web.ScaleOut;

namespace Console.Tests.ScaleOut;

/// <summary>Typed change events survive the trip between replicas.</summary>
public sealed class FeedMessageCodecTests
{
    [Fact]
    public void Every_change_event_type_is_known_by_name()
    {
        var names = FeedMessageCodec.EventTypes.Select(t => t.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Subset(names.ToHashSet(), new[]
        {
            nameof(PoolChanged), nameof(PoolDeleted), nameof(QueueChanged), nameof(QueueDeleted), nameof(WorkerChanged),
            nameof(WorkerDeleted), nameof(DeploymentChanged), nameof(DeploymentDeleted), nameof(FlowRunChanged), nameof(LogLinesAdded),
        }.ToHashSet());
    }

    [Fact]
    public void A_worker_change_round_trips_with_its_type_and_origin()
    {
        var worker = new WorkerDto
        {
            Name = "w1", PoolName = "p1", Status = WorkerStatus.Online, LastHeartbeatAt = new DateTime(2026, 1, 5, 12, 0, 0, DateTimeKind.Utc),
            LastPolledAt = new DateTime(2026, 1, 5, 12, 0, 1, DateTimeKind.Utc), HeartbeatIntervalSeconds = 7, Queues = ["default"],
        };

        var json = FeedMessageCodec.Serialize(new FeedMessage("replica-1", new WorkerChanged(worker)));
        var back = FeedMessageCodec.Deserialize(json);

        Assert.Equal("WorkerChanged", JsonNode.Parse(json)!["change"]![FeedMessageCodec.Discriminator]!.GetValue<string>());
        Assert.Equal("replica-1", back.Origin);
        var change = Assert.IsType<WorkerChanged>(back.Change);
        Assert.Equal("p1", change.PoolName);
        Assert.Equal(worker with { Queues = change.Worker.Queues }, change.Worker);
        Assert.Equal(["default"], change.Worker.Queues);
    }

    [Fact]
    public void Log_lines_and_deletions_round_trip()
    {
        var id = Guid.NewGuid();
        var lines = new LogLinesAdded(id, "p2", [new LogLineDto { Seq = 3, Message = "hello", Stream = "stderr" }]);
        var logs = Assert.IsType<LogLinesAdded>(FeedMessageCodec.Deserialize(FeedMessageCodec.Serialize(new FeedMessage("r", lines))).Change);
        Assert.Equal((id, "p2", 3L, "hello", "stderr"), (logs.FlowRunId, logs.PoolName, logs.Lines[0].Seq, logs.Lines[0].Message, logs.Lines[0].Stream));

        var deleted = FeedMessageCodec.Deserialize(FeedMessageCodec.Serialize(new FeedMessage("r", new QueueDeleted("p3", "q3")))).Change;
        Assert.Equal(new QueueDeleted("p3", "q3"), deleted);
    }

    [Theory]
    [InlineData("""{"origin":"r","change":{"$type":"SomethingNew","x":1}}""")]
    [InlineData("""{"origin":"r"}""")]
    [InlineData("""not json""")]
    public void An_unknown_or_broken_message_is_rejected(string json) =>
        Assert.ThrowsAny<JsonException>(() => FeedMessageCodec.Deserialize(json));
}

using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Worker.Outbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace Console.Tests.Worker;

public sealed class ReportOutboxTests : IDisposable
{
    private readonly FakeConsoleApi _api = new();
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("console-outbox-");

    [Fact]
    public async Task Reports_of_a_run_are_delivered_in_order_with_queued_log_batches_merged()
    {
        using var outbox = new ReportOutbox(_api, NullLogger<ReportOutbox>.Instance);
        var run = Guid.NewGuid();

        var running = outbox.EnqueueState(run, State(FlowRunState.Running));
        outbox.EnqueueLogs(run, Lines("a", "b"));
        outbox.EnqueueLogs(run, Lines("c"));
        var completed = outbox.EnqueueState(run, State(FlowRunState.Completed));
        Assert.True(await outbox.DeliverAllAsync(CancellationToken.None));

        Assert.Equal(["state:Running", "logs:a,b,c", "state:Completed"], _api.CallsFor(run));
        Assert.Equal(ReportOutcome.Delivered, await running);
        Assert.Equal(ReportOutcome.Delivered, await completed);
        Assert.Equal(0, outbox.PendingCount);
    }

    [Fact]
    public async Task While_the_server_is_down_nothing_is_lost_and_everything_goes_once_it_is_back()
    {
        using var outbox = new ReportOutbox(_api, NullLogger<ReportOutbox>.Instance);
        var run = Guid.NewGuid();
        _api.Down = true;

        outbox.EnqueueLogs(run, Lines("1"));
        var end = outbox.EnqueueState(run, State(FlowRunState.Failed));
        Assert.False(await outbox.DeliverAllAsync(CancellationToken.None));
        Assert.False(outbox.IsServerReachable);
        Assert.False(end.IsCompleted);

        _api.Down = false;
        Assert.True(await outbox.DeliverAllAsync(CancellationToken.None));

        Assert.Equal(["logs:1", "state:Failed"], _api.CallsFor(run));
        Assert.Equal(ReportOutcome.Delivered, await end);
        Assert.True(outbox.IsServerReachable);
    }

    [Fact]
    public async Task A_refused_transition_is_reported_to_the_waiter_and_does_not_block_what_follows()
    {
        using var outbox = new ReportOutbox(_api, NullLogger<ReportOutbox>.Instance);
        var run = Guid.NewGuid();
        _api.RefuseState[run] = FlowRunState.Running;

        var running = outbox.EnqueueState(run, State(FlowRunState.Running));
        var cancelled = outbox.EnqueueState(run, State(FlowRunState.Cancelled));
        await outbox.DeliverAllAsync(CancellationToken.None);

        Assert.Equal(ReportOutcome.Refused, await running);
        Assert.Equal(ReportOutcome.Delivered, await cancelled);
    }

    [Fact]
    public async Task The_journal_hands_undelivered_reports_to_the_next_worker_process()
    {
        var run = Guid.NewGuid();
        _api.Down = true;
        using (var first = new ReportOutbox(_api, NullLogger<ReportOutbox>.Instance, new OutboxJournal(_state.FullName)))
        {
            first.EnqueueState(run, State(FlowRunState.Running)).Ignore();
            first.EnqueueLogs(run, Lines("x"));
            await first.DeliverAllAsync(CancellationToken.None);
            _api.Down = false;
            await first.DeliverAllAsync(CancellationToken.None); // Running and "x" delivered and acknowledged
            _api.Down = true;
            first.EnqueueState(run, State(FlowRunState.Completed)).Ignore();
        }

        _api.Down = false;
        using var second = new ReportOutbox(_api, NullLogger<ReportOutbox>.Instance, new OutboxJournal(_state.FullName));
        Assert.Equal(1, second.PendingCount);
        await second.DeliverAllAsync(CancellationToken.None);

        Assert.Equal(["state:Running", "logs:x", "state:Completed"], _api.CallsFor(run));
        using var third = new ReportOutbox(_api, NullLogger<ReportOutbox>.Instance, new OutboxJournal(_state.FullName));
        Assert.Equal(0, third.PendingCount);
    }

    [Fact]
    public async Task WhenDrained_completes_once_the_run_has_nothing_queued()
    {
        using var outbox = new ReportOutbox(_api, NullLogger<ReportOutbox>.Instance);
        var run = Guid.NewGuid();
        Assert.True(outbox.WhenDrainedAsync(run, CancellationToken.None).IsCompleted);

        outbox.EnqueueLogs(run, Lines("q"));
        var drained = outbox.WhenDrainedAsync(run, CancellationToken.None);
        Assert.False(drained.IsCompleted);

        await outbox.DeliverAllAsync(CancellationToken.None);
        await drained.WaitAsync(TimeSpan.FromSeconds(5));
    }

    public void Dispose() => _state.Delete(recursive: true);

    private static SetStateRequest State(FlowRunState state) => new() { State = state };

    private static List<NewLogLine> Lines(params string[] messages) =>
        [.. messages.Select(m => new NewLogLine { Message = m, Stream = "stdout", Level = "info", Timestamp = DateTime.UtcNow })];
}

internal static class TaskExtensions
{
    /// <summary>The waiter of a report nobody awaits in this test.</summary>
    public static void Ignore(this Task task) => _ = task;
}

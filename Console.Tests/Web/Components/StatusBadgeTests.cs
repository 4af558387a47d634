using Bunit;
using Console.Contracts;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Web.Components.Shared;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace Console.Tests.Web.Components;

public sealed class StatusBadgeTests : ComponentTestBase
{
    [Theory]
    [InlineData(QueueStatus.NotReady, false, "NotReady", "Not Ready", "No worker has polled this queue in the last 60 s.")]
    [InlineData(QueueStatus.Ready, false, "Ready", "Ready", "A worker polled this queue in the last 60 s.")]
    [InlineData(QueueStatus.Paused, true, "Paused", "Paused", "This queue is paused: its runs are not picked up until it is resumed.")]
    [InlineData(QueueStatus.Paused, false, "Paused", "Paused", "The work pool is paused: none of its queues' runs are picked up.")]
    public void Queue_status_shows_icon_word_and_why(QueueStatus status, bool queuePaused, string key, string text, string reason)
    {
        var view = StatusView.Queue(Queue(status, queuePaused), readySeconds: 60);
        var cut = RenderWithProviders<StatusBadge>(p => p.Add(x => x.Status, view).Add(x => x.TestId, "queue-status"));

        var badge = cut.Find("[data-testid=queue-status]");
        Assert.Equal(key, badge.GetAttribute("data-status"));
        Assert.Equal(text, badge.QuerySelector(".status-text")!.TextContent);
        Assert.Equal(reason, badge.GetAttribute("data-reason"));
        Assert.NotNull(badge.QuerySelector("svg"));
        // Screen readers get the reason with the word; the colour is never the only signal.
        Assert.Contains(reason, badge.QuerySelector(".visually-hidden")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("0", badge.GetAttribute("tabindex"));
    }

    [Fact]
    public void Queue_colours_are_red_green_and_grey()
    {
        Assert.Equal(Color.Error, StatusView.Queue(Queue(QueueStatus.NotReady), 60).Color);
        Assert.Equal(Color.Success, StatusView.Queue(Queue(QueueStatus.Ready), 60).Color);
        Assert.Equal(Color.Default, StatusView.Queue(Queue(QueueStatus.Paused, paused: true), 60).Color);
    }

    [Fact]
    public void An_unhealthy_online_worker_says_what_is_wrong()
    {
        var worker = new WorkerDto { Name = "w", PoolName = "p", Status = WorkerStatus.Online, HeartbeatIntervalSeconds = 10, IsHealthy = false, HealthMessage = "Docker engine unreachable" };
        var view = StatusView.Worker(worker, missedBeats: 3);
        Assert.Equal("Unhealthy", view.Text);
        Assert.Contains("Docker engine unreachable", view.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_state_message_is_the_reason()
    {
        var view = StatusView.Run(FlowRunState.Crashed, "Container was killed (OOM, exit 137).");
        Assert.Equal("Crashed", view.Text);
        Assert.Equal("Container was killed (OOM, exit 137).", view.Reason);
        Assert.Equal(Color.Error, view.Color);
    }

    [Fact]
    public void A_ready_queue_turns_red_on_the_second_nobody_polls_it_without_any_event()
    {
        var rules = new StatusRules(Time, Options.Create(new StatusOptions()));
        var queue = Queue(QueueStatus.Ready) with { LastPolledAt = Time.GetUtcNow().UtcDateTime };
        var ticker = new Ticker(Time);
        var cut = Context.Render<TickingStatus>(p => p
            .Add(x => x.Compute, () => StatusView.Queue(LiveStatus.Queue(queue, rules), rules.Options.QueueReadySeconds))
            .Add(x => x.TestId, "status")
            .AddCascadingValue(ticker));
        Assert.Equal("Ready", cut.Find("[data-testid=status]").GetAttribute("data-status"));

        Time.Advance(TimeSpan.FromSeconds(59));
        cut.WaitForAssertion(() => Assert.Equal("Ready", cut.Find("[data-testid=status]").GetAttribute("data-status")));

        Time.Advance(TimeSpan.FromSeconds(1));
        cut.WaitForAssertion(() => Assert.Equal("NotReady", cut.Find("[data-testid=status]").GetAttribute("data-status")));
        ticker.Dispose();
    }

    [Fact]
    public void A_silent_worker_turns_offline_after_three_intervals()
    {
        var rules = new StatusRules(Time, Options.Create(new StatusOptions()));
        var worker = new WorkerDto { Name = "w", PoolName = "p", Status = WorkerStatus.Online, HeartbeatIntervalSeconds = 10, LastHeartbeatAt = Time.GetUtcNow().UtcDateTime };

        Assert.Equal(WorkerStatus.Online, LiveStatus.Worker(worker, rules).Status);
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(WorkerStatus.Offline, LiveStatus.Worker(worker, rules).Status);
    }

    private static WorkQueueDto Queue(QueueStatus status, bool paused = false) =>
        new() { Name = "default", PoolName = "pool", Status = status, IsPaused = paused, Priority = 1 };
}

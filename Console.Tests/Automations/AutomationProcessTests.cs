using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts.Automations;
using Console.Contracts.FlowRuns;
using Console.Tests.Faults;
using Xunit.Abstractions;

namespace Console.Tests.Automations;

/// <summary>
/// Automations against the built server and real process workers, as separate OS processes: a
/// signed webhook with its retry, a SIGKILLed worker pausing its pool, and an event acted on once
/// across a server SIGKILL.
/// </summary>
public sealed class AutomationProcessTests(ITestOutputHelper output) : FaultTestBase(output)
{
    /// <summary>The periodic jobs on, retries a second apart instead of 20 s.</summary>
    private static readonly Dictionary<string, string?> Quick = new()
    {
        ["Jobs:Enabled"] = "true",
        ["Automations:RetryBaseSeconds"] = "1",
    };

    [Fact]
    public async Task A_failed_run_on_a_process_worker_sends_a_signed_webhook_retried_after_a_500_under_the_same_delivery_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500);
        var server = Watch(await FaultServer.StartAsync(Folder.FullName, Quick));
        using var http = server.CreateHttpClient();
        var pool = Unique("hook");
        await http.CreatePoolAsync(pool, "process");
        const string Secret = "s3cret-for-the-test";
        var automation = await http.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("on-failure"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Failed], Pool = pool },
            Actions = [AutomationApi.Webhook(receiver.Url, Secret)],
        });
        Assert.DoesNotContain(Secret, await http.GetStringAsync(new Uri($"/api/automations/{automation.Id}", UriKind.Relative)), StringComparison.Ordinal);
        Assert.True(automation.Actions[0].HasSecret);

        StartWorker(server, pool, Unique("w"));
        var run = await http.RunAsync(pool, "sh -c 'echo about to fail; exit 3'", docker: false);
        await http.WaitForStateAsync(run.Id, FlowRunState.Failed, 90);

        await Wait.UntilAsync(() => receiver.Received.Count >= 2, "the webhook and its retry after the 500", 60);
        var attempts = receiver.Received.ToList();
        Assert.Equal(attempts[0].Header("Console-Delivery"), attempts[1].Header("Console-Delivery"));
        Assert.True(Guid.TryParse(attempts[0].Header("Console-Delivery"), out var deliveryId));
        foreach (var attempt in attempts)
        {
            Assert.Equal(EventTypes.FlowRunStateChanged, attempt.Header("Console-Event"));
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), attempt.Body));
            Assert.Equal(expected, attempt.Header("Console-Signature"));
            var body = JsonNode.Parse(attempt.Body)!;
            Assert.Equal(run.Id.ToString(), body["event"]!["resource"]!["id"]!.GetValue<string>());
            Assert.Equal("Failed", body["event"]!["payload"]!["state"]!.GetValue<string>());
            Assert.Equal(automation.Name, body["automation"]!["name"]!.GetValue<string>());
        }

        List<DeliveryDto> deliveries = [];
        await Wait.UntilAsync(async () => (deliveries = await http.DeliveriesAsync(automation.Id)).Count == 2, "both attempts in the deliveries list", 30);
        Assert.All(deliveries, d => Assert.Equal(deliveryId, d.Id));
        Assert.Equal([(1, 500, "Retrying"), (2, 200, "Succeeded")],
            deliveries.OrderBy(d => d.Attempt).Select(d => (d.Attempt, d.StatusCode ?? 0, d.Outcome)).ToList());
        Assert.Equal(2, receiver.Received.Count);
    }

    [Fact]
    public async Task A_SIGKILLed_worker_goes_offline_and_the_workerOffline_automation_pauses_its_pool()
    {
        var server = Watch(await FaultServer.StartAsync(Folder.FullName, Quick));
        using var http = server.CreateHttpClient();
        var pool = Unique("offline");
        await http.CreatePoolAsync(pool, "process");
        var automation = await http.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("pause-on-loss"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.WorkerOffline, Pool = pool },
            Actions = [new AutomationAction { Type = ActionTypes.PauseWorkPool, Pool = pool }],
        });

        var worker = StartWorker(server, pool, Unique("w"), new Dictionary<string, string?> { ["Worker:HeartbeatIntervalSeconds"] = "2" });
        await Wait.UntilAsync(async () => (await http.WorkersAsync(pool)).Any(w => w.Status == Contracts.WorkerStatus.Online), "the worker online", 60);
        Assert.False((await http.GetJsonAsync<Contracts.WorkPoolDto>($"/api/work-pools/{pool}")).IsPaused);

        await worker.KillAsync();
        await Wait.UntilAsync(async () => (await http.GetJsonAsync<Contracts.WorkPoolDto>($"/api/work-pools/{pool}")).IsPaused,
            "the pool paused by the automation once its only worker went offline", 60);

        var events = await http.EventsAsync($"?pool={pool}");
        Assert.Single(events, e => e.Type == EventTypes.WorkerOffline);
        Assert.Contains(events, e => e.Type == EventTypes.WorkPoolPaused);
        // The pool is paused by the action; its delivery row is written when the action returns.
        List<DeliveryDto> deliveries = [];
        await Wait.UntilAsync(async () => (deliveries = await http.DeliveriesAsync(automation.Id)).Any(d => d.Outcome is "Succeeded" or "Failed"), "the action's delivery recorded", 30);
        var delivery = Assert.Single(deliveries);
        Assert.Equal(("pauseWorkPool", "Succeeded"), (delivery.Action, delivery.Outcome));
    }

    [Fact]
    public async Task An_event_recorded_before_a_server_SIGKILL_is_delivered_exactly_once_after_the_restart()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // First life: no dispatcher, so the event is recorded and nothing acts on it before the kill.
        var first = Watch(await FaultServer.StartAsync(Folder.FullName));
        var pool = Unique("crash");
        Guid automationId;
        Guid runId;
        using (var http = first.CreateHttpClient())
        {
            await http.CreatePoolAsync(pool, "process");
            automationId = (await http.CreateAutomationAsync(new CreateAutomationRequest
            {
                Name = Unique("survives"),
                Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Failed], Pool = pool },
                Actions = [AutomationApi.Webhook(receiver.Url)],
            })).Id;
            var run = await http.RunAsync(pool, "false", docker: false);
            runId = run.Id;
            Assert.Single(await http.ClaimAsync(pool, "hand"));
            await http.SetStateAsync(run.Id, FlowRunState.Running);
            await http.SetStateAsync(run.Id, FlowRunState.Failed, exitCode: 1);
            Assert.Contains(await http.EventsAsync($"?flowRun={run.Id}"), e => e.Payload["state"]?.GetValue<string>() == "Failed");
        }

        await first.KillAsync();
        Assert.Empty(receiver.Received);

        // Second life on the same database, the dispatcher on.
        var second = Watch(await FaultServer.StartAsync(Folder.FullName, Quick));
        using var again = second.CreateHttpClient();
        await Wait.UntilAsync(async () => (await again.DeliveriesAsync(automationId)).Any(d => d.Outcome == "Succeeded"), "the delivery after the restart", 60);
        var received = Assert.Single(receiver.Received);
        Assert.Equal(runId.ToString(), JsonNode.Parse(received.Body)!["event"]!["resource"]!["id"]!.GetValue<string>());
        Assert.Single(await again.DeliveriesAsync(automationId));
    }

    [Fact]
    public async Task An_event_matched_before_a_server_SIGKILL_mid_delivery_is_acted_on_once_per_action_under_the_same_delivery_id_after_the_restart()
    {
        // The receiver holds the first webhook open: the server is killed while that attempt is in flight.
        await using var receiver = await WebhookReceiver.StartAsync(WebhookReceiver.Hold);
        var settings = new Dictionary<string, string?>(Quick) { ["Automations:LeaseSeconds"] = "5" };
        var first = Watch(await FaultServer.StartAsync(Folder.FullName, settings));
        var pool = Unique("midway");
        Guid automationId;
        Guid chainedId;
        using (var http = first.CreateHttpClient())
        {
            await http.CreatePoolAsync(pool, "process");
            chainedId = (await http.CreateDeploymentAsync(pool, Unique("flow"), "after")).Id;
            automationId = (await http.CreateAutomationAsync(new CreateAutomationRequest
            {
                Name = Unique("midway"),
                Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Failed], Pool = pool },
                Actions = [AutomationApi.Webhook(receiver.Url), new AutomationAction { Type = ActionTypes.RunDeployment, Deployment = chainedId.ToString() }],
            })).Id;
            var run = await http.RunAsync(pool, "false", docker: false);
            Assert.Contains(await http.ClaimAsync(pool, "hand"), r => r.Id == run.Id);
            await http.SetStateAsync(run.Id, FlowRunState.Running);
            await http.SetStateAsync(run.Id, FlowRunState.Failed, exitCode: 1);
            await receiver.Holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        await first.KillAsync();
        Assert.Empty(receiver.Answered);
        var held = Assert.Single(receiver.Received);

        // Second life on the same database: the lease of the interrupted attempt runs out and it is made again.
        var second = Watch(await FaultServer.StartAsync(Folder.FullName, settings));
        using var again = second.CreateHttpClient();
        List<DeliveryDto> deliveries = [];
        await Wait.UntilAsync(
            async () => (deliveries = await again.DeliveriesAsync(automationId)).Count(d => d.Outcome == "Succeeded") == 2,
            "both actions delivered after the restart", 90);

        // The receiver got the webhook again under the id of the interrupted attempt, and answered it once.
        var answered = Assert.Single(receiver.Answered);
        Assert.Equal(200, answered.Status);
        Assert.Equal(held.Header("Console-Delivery"), answered.Request.Header("Console-Delivery"));
        Assert.Equal(held.Body, answered.Request.Body);
        Assert.All(receiver.Received, r => Assert.Equal(held.Header("Console-Delivery"), r.Header("Console-Delivery")));

        // One delivery per action, each recorded once; the chained deployment ran once.
        Assert.Equal(["runDeployment", "webhook"], deliveries.Select(d => d.Action).Order().ToList());
        Assert.Equal(2, deliveries.Select(d => d.Id).Distinct().Count());
        Assert.Equal(held.Header("Console-Delivery"), deliveries.Single(d => d.Action == "webhook").Id.ToString());
        Assert.Single(await again.GetJsonAsync<List<Contracts.FlowRunDto>>($"/api/flow-runs?deployment={chainedId}"));
    }
}

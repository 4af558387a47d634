using Console.Contracts.Automations;
using Console.Contracts.FlowRuns;
using Console.Tests.Infrastructure;
using Console.Web.Jobs;

namespace Console.Tests.Automations;

/// <summary>
/// Two console replicas on one PostgreSQL database run the automations' dispatcher at the same
/// moments: every event is acted on exactly once per action, whichever replica gets there first.
/// </summary>
public sealed class ReplicaAutomationTests : IDisposable
{
    private readonly SharedDatabase _database = new();
    private readonly ReplicaServer _a;
    private readonly ReplicaServer _b;
    private readonly HttpClient _http;

    public ReplicaAutomationTests()
    {
        _a = new ReplicaServer(_database.Settings);
        _b = new ReplicaServer(_database.Settings);
        _http = _b.CreateHttpClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _a.Dispose();
        _b.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task Two_replicas_dispatching_at_once_deliver_each_event_and_action_exactly_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var pool = ConsoleApi.UniqueName("twins");
        await _http.CreatePoolAsync(pool);
        var failing = await _http.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("flow"), "fails");
        var chained = await _http.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("flow"), "after");
        var automation = await _http.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = ConsoleApi.UniqueName("twice"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Failed], Deployment = failing.Id.ToString() },
            Actions = [AutomationApi.Webhook(receiver.Url), new AutomationAction { Type = ActionTypes.RunDeployment, Deployment = chained.Id.ToString() }],
        });

        var failed = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var run = await _http.CreateRunAsync(failing.Id);
            Assert.Contains(await _http.ClaimAsync(pool, "w", 1), r => r.Id == run.Id);
            await _http.SetStateAsync(run.Id, FlowRunState.Running);
            await _http.SetStateAsync(run.Id, FlowRunState.Failed, exitCode: 1);
            failed.Add(run.Id);
        }

        // Several passes, each on both replicas released by one signal.
        for (var pass = 0; pass < 4; pass++)
        {
            await BothAtOnceAsync();
        }

        var ids = receiver.Received.Select(r => r.Header("Console-Delivery")).ToList();
        Assert.Equal(5, ids.Count);
        Assert.Equal(5, ids.Distinct().Count());
        Assert.Equal(failed.Select(id => id.ToString()).Order(),
            receiver.Received.Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Body)!["event"]!["resource"]!["id"]!.GetValue<string>()).Order());
        Assert.Equal(5, (await _http.GetFromJson<List<Contracts.FlowRunDto>>($"/api/flow-runs?deployment={chained.Id}")).Count);
        var deliveries = await _http.DeliveriesAsync(automation.Id);
        Assert.Equal(10, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal((1, "Succeeded"), (d.Attempt, d.Outcome)));
    }

    [Fact]
    public async Task Two_replicas_evaluating_a_timed_trigger_at_once_fire_it_once_per_late_run()
    {
        var pool = ConsoleApi.UniqueName("late-twins");
        await _http.CreatePoolAsync(pool);
        var deployment = await _http.CreateDeploymentAsync(pool, ConsoleApi.UniqueName("flow"), "late");
        var automation = await _http.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = ConsoleApi.UniqueName("late"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunLate, AfterSeconds = 60, Pool = pool },
            Actions = [new AutomationAction { Type = ActionTypes.CancelFlowRun }],
        });
        var late = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            late.Add((await _http.CreateRunAsync(deployment.Id, scheduledStartAt: DateTime.UtcNow.AddMinutes(-10 - i))).Id);
        }

        for (var pass = 0; pass < 3; pass++)
        {
            await ReplicaServer.AtOnceAsync<TimedTriggersJob, bool>([_a, _b], async job =>
            {
                await job.RunAsync(default);
                return true;
            });
            await BothAtOnceAsync();
        }

        var fired = (await _http.EventsAsync("?type=automation.triggered&limit=1000"))
            .Where(e => e.Related.Any(r => r.Id == automation.Id.ToString())).ToList();
        Assert.Equal(late.Select(id => id.ToString()).Order(), fired.Select(e => e.Resource.Id).Order());
        Assert.Equal(3, (await _http.DeliveriesAsync(automation.Id)).Count);
        foreach (var run in late)
        {
            Assert.Equal(FlowRunState.Cancelled, (await _http.GetRunAsync(run)).State);
        }
    }

    private Task<bool[]> BothAtOnceAsync() =>
        ReplicaServer.AtOnceAsync<AutomationsJob, bool>([_a, _b], async job =>
        {
            await job.RunAsync(default);
            return true;
        });
}

using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.FlowRuns;
using Console.Core.Automations;
using Console.Core.Events;
using Console.Core.Persistence;
using Console.Tests.Api;
using Console.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Console.Tests.Automations;

/// <summary>
/// Automations in the real app on a fake clock (SQLite): the timed triggers, the service actions,
/// cooldowns, validation and the event stream. The periodic jobs are off; each test runs the
/// timed-trigger pass and the dispatcher itself, as the Hangfire jobs would.
/// </summary>
public sealed class AutomationApiTests(StatusRuleTests.FakeClockApi factory) : ApiTestBase(factory), IClassFixture<StatusRuleTests.FakeClockApi>
{
    private FakeTimeProvider Time => Factory.Time!;

    [Fact]
    public async Task Absence_fires_once_the_deployment_has_not_completed_in_time_and_not_before()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var watched = await CreatePoolAsync(type: "process");
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("nightly"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.Absence, Deployment = $"{deployment.FlowName}/{deployment.Name}", State = FlowRunState.Completed, WithinSeconds = 600 },
            Actions = [new AutomationAction { Type = ActionTypes.PauseWorkPool, Pool = watched.Name }],
        });

        // A run completes 5 minutes in: the silence starts again from there.
        Time.Advance(TimeSpan.FromMinutes(5));
        await CompleteRunAsync(pool.Name, deployment.Id, FlowRunState.Completed);
        Time.Advance(TimeSpan.FromMinutes(9));
        await RunAutomationJobsAsync();
        Assert.False((await GetAsync<WorkPoolDto>($"/api/work-pools/{watched.Name}")).IsPaused);
        Assert.Empty(await Client.DeliveriesAsync(automation.Id));

        Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.True((await GetAsync<WorkPoolDto>($"/api/work-pools/{watched.Name}")).IsPaused);
        var fired = Assert.Single(await Client.EventsAsync("?type=automation.triggered&limit=1000"), e => e.Related.Any(r => r.Id == automation.Id.ToString()));
        Assert.Equal(deployment.Id.ToString(), fired.Resource.Id);
        Assert.Single(await Client.DeliveriesAsync(automation.Id));
    }

    [Fact]
    public async Task FlowRunLate_fires_for_a_run_that_has_not_started_and_cancelFlowRun_cancels_it()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("late"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunLate, AfterSeconds = 120, Pool = pool.Name },
            Actions = [new AutomationAction { Type = ActionTypes.CancelFlowRun }],
        });
        var run = await RunAsync(deployment.Id);

        Time.Advance(TimeSpan.FromSeconds(100));
        await RunAutomationJobsAsync();
        Assert.Equal(FlowRunState.Late, (await Client.GetRunAsync(run.Id)).State);

        Time.Advance(TimeSpan.FromSeconds(21));
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.Equal(FlowRunState.Cancelled, (await Client.GetRunAsync(run.Id)).State);
        var delivery = Assert.Single(await Client.DeliveriesAsync(automation.Id));
        Assert.Equal(("cancelFlowRun", "Succeeded"), (delivery.Action, delivery.Outcome));
    }

    [Fact]
    public async Task RunDeployment_chains_a_second_deployment_when_the_first_completes_with_the_given_parameters()
    {
        var pool = await CreatePoolAsync(type: "process");
        var first = await CreateDeploymentAsync(pool.Name);
        var second = await CreateDeploymentAsync(pool.Name);
        await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("chain"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Completed], Deployment = $"{first.FlowName}/{first.Name}" },
            Actions = [new AutomationAction { Type = ActionTypes.RunDeployment, Deployment = second.Id.ToString(), Parameters = new() { ["from"] = "chain" } }],
        });

        await CompleteRunAsync(pool.Name, first.Id, FlowRunState.Completed);
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();

        var chained = Assert.Single(await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={second.Id}"));
        Assert.Equal("chain", chained.Parameters["from"]!.GetValue<string>());
        // A run of the second deployment completing does not chain anything further.
        Assert.Single(await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={first.Id}"));
    }

    [Fact]
    public async Task An_event_from_before_the_automation_was_created_does_not_fire_it_even_when_dispatched_after()
    {
        // The dispatcher lags under load: a failure recorded before the automation was saved, still
        // undispatched when it exists, must not fire it (a webhook for a past failure).
        var pool = await CreatePoolAsync(type: "process");
        var failing = await CreateDeploymentAsync(pool.Name);
        var counter = await CreateDeploymentAsync(pool.Name);
        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        Time.Advance(TimeSpan.FromSeconds(1));
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("armed"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Failed], Pool = pool.Name, Deployment = failing.Id.ToString() },
            Actions = [new AutomationAction { Type = ActionTypes.RunDeployment, Deployment = $"{counter.FlowName}/{counter.Name}" }],
        });

        await RunAutomationJobsAsync();
        Assert.Empty(await Client.DeliveriesAsync(automation.Id));

        Time.Advance(TimeSpan.FromSeconds(1));
        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        await RunAutomationJobsAsync();
        Assert.Single(await Client.DeliveriesAsync(automation.Id));
        Assert.Single(await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={counter.Id}"));
    }

    [Fact]
    public async Task CooldownSeconds_holds_events_back_until_it_has_passed()
    {
        var pool = await CreatePoolAsync(type: "process");
        var failing = await CreateDeploymentAsync(pool.Name);
        var counter = await CreateDeploymentAsync(pool.Name);
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("cool"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Failed], Pool = pool.Name, Deployment = failing.Id.ToString() },
            Actions = [new AutomationAction { Type = ActionTypes.RunDeployment, Deployment = $"{counter.FlowName}/{counter.Name}" }],
            CooldownSeconds = 300,
        });

        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        await RunAutomationJobsAsync();
        Time.Advance(TimeSpan.FromSeconds(120));
        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        await RunAutomationJobsAsync();
        Assert.Single(await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={counter.Id}"));

        Time.Advance(TimeSpan.FromSeconds(181));
        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        await RunAutomationJobsAsync();
        Assert.Equal(2, (await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={counter.Id}")).Count);
        Assert.Equal(2, (await Client.DeliveriesAsync(automation.Id)).Count);
    }

    [Fact]
    public async Task Every_transition_is_an_event_in_its_own_save_and_a_refused_transition_records_none()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var run = await CompleteRunAsync(pool.Name, deployment.Id, FlowRunState.Completed);

        var refused = await Client.PostJsonAsync($"/api/flow-runs/{run}/state", new SetStateRequest { State = FlowRunState.Running });
        await AssertProblemAsync(refused, HttpStatusCode.Conflict);

        var events = await Client.EventsAsync($"?flowRun={run}");
        Assert.Equal(["Completed", "Running", "Pending", "Scheduled"], events.Select(e => e.Payload["state"]!.GetValue<string>()).ToList());
        Assert.All(events, e => Assert.Equal(EventTypes.FlowRunStateChanged, e.Type));
        Assert.All(events, e => Assert.Contains(e.Related, r => r.Kind == ResourceKinds.WorkPool && r.Name == pool.Name));
        // The claim writes its events with its own INSERT: each column a filter reads holds what a tracked save writes.
        var claim = events.Single(e => e.Payload["state"]!.GetValue<string>() == "Pending");
        Assert.Equal("Scheduled", claim.Payload["previousState"]!.GetValue<string>());
        Assert.Contains(claim.Related, r => r.Kind == ResourceKinds.Worker && r.Name == "w");
        Assert.Contains(await Client.EventsAsync($"?pool={pool.Name}&type={EventTypes.FlowRunStateChanged}"), e => e.Id == claim.Id);
        Assert.Contains(await Client.EventsAsync($"?deployment={deployment.Id}&type=flowRun.*"), e => e.Id == claim.Id);
        var since = Uri.EscapeDataString(claim.OccurredAt.AddMilliseconds(-1).ToString("O", CultureInfo.InvariantCulture));
        Assert.Contains(await Client.EventsAsync($"?flowRun={run}&since={since}"), e => e.Id == claim.Id);
        Assert.Contains(await Client.EventsAsync($"?deployment={deployment.Id}"), e => e.Type == EventTypes.DeploymentCreated);
        Assert.Equal(2, (await Client.EventsAsync($"?flowRun={run}&limit=2")).Count);
        await AssertProblemAsync(await Client.GetAsync(new Uri("/api/events?limit=0", UriKind.Relative)), HttpStatusCode.BadRequest, "limit");
    }

    [Fact]
    public async Task Invalid_automations_are_refused_field_by_field_and_nothing_is_written()
    {
        var bad = await Client.PostJsonAsync("/api/automations", new CreateAutomationRequest
        {
            Name = "Not A Name",
            Trigger = new AutomationTrigger { Type = TriggerTypes.QueueNotReady, ForSeconds = 0 },
            Actions =
            [
                new AutomationAction { Type = ActionTypes.Webhook, Url = "ftp://example.com/x" },
                new AutomationAction { Type = ActionTypes.CancelFlowRun },
                new AutomationAction { Type = "sendEmail" },
            ],
        });
        var problem = await AssertProblemAsync(bad, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        foreach (var field in new[] { "name", "trigger.pool", "trigger.forSeconds", "actions[0].url", "actions[1].type", "actions[2].type" })
        {
            Assert.True(errors.ContainsKey(field), $"an error on {field}: {problem.ToJsonString()}");
        }

        var unknownDeployment = await Client.PostJsonAsync("/api/automations", new CreateAutomationRequest
        {
            Name = Unique("ghost"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.WorkerOffline },
            Actions = [new AutomationAction { Type = ActionTypes.RunDeployment, Deployment = "no-such/flow" }],
        });
        await AssertProblemAsync(unknownDeployment, HttpStatusCode.UnprocessableEntity, "actions[0]");
        await using var scope = Factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Automations.AnyAsync(a => a.Name.StartsWith("ghost")));
    }

    [Fact]
    public async Task A_webhook_secret_is_write_only_and_kept_when_the_automation_is_sent_back_without_it()
    {
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("secret"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.WorkerOffline },
            Actions = [AutomationApi.Webhook("http://127.0.0.1:9/hook", "top-secret-value")],
        });
        var answer = await Client.GetStringAsync(new Uri($"/api/automations/{automation.Id}", UriKind.Relative));
        Assert.DoesNotContain("top-secret-value", answer, StringComparison.Ordinal);

        // The builder sends the actions back as it read them (no secret): the secret stays.
        var patched = await Client.PatchJsonAsync($"/api/automations/{automation.Id}", new UpdateAutomationRequest { Actions = automation.Actions, Enabled = false });
        var updated = await patched.ReadAsync<AutomationDto>();
        Assert.Equal((true, false), (updated.Actions[0].HasSecret == true, updated.Enabled));
        Assert.DoesNotContain("top-secret-value", (await Client.GetStringAsync(new Uri("/api/automations", UriKind.Relative))), StringComparison.Ordinal);
        await using var scope = Factory.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Automations.AsNoTracking().FirstAsync(a => a.Id == automation.Id);
        Assert.DoesNotContain("top-secret-value", stored.Actions, StringComparison.Ordinal);

        // The audit log records who changed the automation, never what its actions hold.
        var audit = await Client.GetStringAsync(new Uri($"/api/audit?resource=automation/{automation.Name}", UriKind.Relative));
        Assert.Contains("\"update\"", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("top-secret-value", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_webhook_secret_is_encrypted_at_rest_and_a_delivery_after_a_patch_without_it_is_still_signed_with_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = "hook-s3cret-" + Guid.NewGuid().ToString("N");
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("signed"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.WorkerOffline },
            Actions = [AutomationApi.Webhook(receiver.Url, secret)],
        });
        // Changed without the actions, then sent back without the secret: it stays, encrypted.
        await Client.PatchJsonAsync($"/api/automations/{automation.Id}", new UpdateAutomationRequest { Enabled = false });
        var patched = await (await Client.PatchJsonAsync($"/api/automations/{automation.Id}", new UpdateAutomationRequest { Actions = automation.Actions, Enabled = true })).ReadAsync<AutomationDto>();
        Assert.Equal((true, true), (patched.Enabled, patched.Actions[0].HasSecret == true));

        await DatabaseFiles.AssertAbsentAsync(Factory, secret, "the webhook secret");

        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync(new Uri($"/api/automations/{automation.Id}/test", UriKind.Relative), null)).StatusCode);
        await RunAutomationJobsAsync();
        await Wait.UntilAsync(() => !receiver.Received.IsEmpty, "the test delivery at the receiver", 30);
        var received = Assert.Single(receiver.Received);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), received.Body)), received.Header("Console-Signature"));
    }

    [Fact]
    public async Task Cooldown_after_a_backlog_counts_from_the_events_times_not_from_when_they_are_matched()
    {
        var pool = await CreatePoolAsync(type: "process");
        var failing = await CreateDeploymentAsync(pool.Name);
        var counter = await CreateDeploymentAsync(pool.Name);
        await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("backlog"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Failed], Deployment = failing.Id.ToString() },
            Actions = [new AutomationAction { Type = ActionTypes.RunDeployment, Deployment = counter.Id.ToString() }],
            CooldownSeconds = 300,
        });

        // Four failures while nothing dispatches (a server down): 0 s, 400 s, 800 s and 900 s.
        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        Time.Advance(TimeSpan.FromSeconds(400));
        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        Time.Advance(TimeSpan.FromSeconds(400));
        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        Time.Advance(TimeSpan.FromSeconds(100));
        await CompleteRunAsync(pool.Name, failing.Id, FlowRunState.Failed);
        Time.Advance(TimeSpan.FromSeconds(60));

        // Matched all at once: the first three are more than the cooldown apart, the fourth is within it.
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.Equal(3, (await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={counter.Id}")).Count);
    }

    [Fact]
    public async Task Absence_longer_than_the_event_retention_counts_from_the_runs_history_and_the_last_firing_not_from_arming()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var counter = await CreateDeploymentAsync(pool.Name);
        await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("weekly"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.Absence, Deployment = deployment.Id.ToString(), State = FlowRunState.Completed, WithinSeconds = 10 * 24 * 3600 },
            Actions = [new AutomationAction { Type = ActionTypes.RunDeployment, Deployment = counter.Id.ToString() }],
        });
        async Task<int> FiredAsync() => (await GetAsync<List<FlowRunDto>>($"/api/flow-runs?deployment={counter.Id}")).Count;

        // Completed 5 days in; 13 days in, its event is gone (7 days' retention) but the silence is only 8 days long.
        Time.Advance(TimeSpan.FromDays(5));
        await CompleteRunAsync(pool.Name, deployment.Id, FlowRunState.Completed);
        Time.Advance(TimeSpan.FromDays(8));
        await DeleteExpiredEventsAsync();
        Assert.Empty(await Client.EventsAsync($"?deployment={deployment.Id}&type=flowRun.stateChanged"));
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.Equal(0, await FiredAsync());

        Time.Advance(TimeSpan.FromDays(2) + TimeSpan.FromSeconds(1));
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.Equal(1, await FiredAsync());

        // 8 days after that firing its event is gone too: the next firing is still 10 days after it.
        Time.Advance(TimeSpan.FromDays(8));
        await DeleteExpiredEventsAsync();
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.Equal(1, await FiredAsync());

        Time.Advance(TimeSpan.FromDays(2) + TimeSpan.FromSeconds(1));
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.Equal(2, await FiredAsync());
    }

    [Fact]
    public async Task A_patch_while_the_dispatcher_fires_the_automation_is_made_on_the_row_as_it_is_now_not_refused()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        var watched = await CreatePoolAsync(type: "process");
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("racing"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.FlowRunState, States = [FlowRunState.Failed], Deployment = deployment.Id.ToString() },
            Actions = [new AutomationAction { Type = ActionTypes.PauseWorkPool, Pool = watched.Name }],
        });

        // The PATCH's context has read the automation ...
        await using var request = Factory.Services.CreateAsyncScope();
        await request.ServiceProvider.GetRequiredService<ConsoleDbContext>().Automations.FirstAsync(a => a.Id == automation.Id);

        // ... when the dispatcher fires it (its LastFiredAt, a concurrency token, changes) ...
        await CompleteRunAsync(pool.Name, deployment.Id, FlowRunState.Failed);
        await RunAutomationJobsAsync();
        var fired = await GetAsync<AutomationDto>($"/api/automations/{automation.Id}");
        Assert.NotNull(fired.LastFiredAt);

        // ... and then saves: made again on the current row, the firing kept.
        var updated = await request.ServiceProvider.GetRequiredService<AutomationService>()
            .UpdateAsync(automation.Id.ToString(), new UpdateAutomationRequest { Enabled = false, Description = "paused while it fired" });
        Assert.Equal((false, fired.LastFiredAt), (updated.Enabled, updated.LastFiredAt));
        var stored = await GetAsync<AutomationDto>($"/api/automations/{automation.Id}");
        Assert.Equal((false, "paused while it fired", fired.LastFiredAt), (stored.Enabled, stored.Description, stored.LastFiredAt));

        // Deleting it after another firing (read before, saved after) works the same way.
        await using var deleting = Factory.Services.CreateAsyncScope();
        await deleting.ServiceProvider.GetRequiredService<ConsoleDbContext>().Automations.FirstAsync(a => a.Id == automation.Id);
        Assert.Equal(HttpStatusCode.OK, (await Client.PatchJsonAsync($"/api/automations/{automation.Id}", new UpdateAutomationRequest { Enabled = true })).StatusCode);
        Time.Advance(TimeSpan.FromSeconds(1));
        await CompleteRunAsync(pool.Name, deployment.Id, FlowRunState.Failed);
        await RunAutomationJobsAsync();
        Assert.NotEqual(fired.LastFiredAt, (await GetAsync<AutomationDto>($"/api/automations/{automation.Id}")).LastFiredAt);
        await deleting.ServiceProvider.GetRequiredService<AutomationService>().DeleteAsync(automation.Id.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync(new Uri($"/api/automations/{automation.Id}", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Webhook_header_values_are_write_only_and_an_action_keeps_its_secret_and_headers_when_moved_or_readdressed_until_removed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var watched = await CreatePoolAsync(type: "process");
        const string Token = "Bearer header-token-not-for-viewers";
        var secret = "moved-s3cret-" + Guid.NewGuid().ToString("N");
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("creds"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.WorkerOffline, Pool = watched.Name },
            Actions =
            [
                new AutomationAction { Type = ActionTypes.PauseWorkPool, Pool = watched.Name },
                AutomationApi.Webhook("http://127.0.0.1:9/old", secret) with { Headers = new Dictionary<string, string> { ["Authorization"] = Token, ["X-Team"] = "ops" } },
            ],
        });
        var answer = await Client.GetStringAsync(new Uri($"/api/automations/{automation.Id}", UriKind.Relative));
        Assert.DoesNotContain("header-token", answer, StringComparison.Ordinal);
        Assert.Equal(AutomationAction.RedactedHeader, automation.Actions[1].Headers!["Authorization"]);
        Assert.All(automation.Actions, a => Assert.False(string.IsNullOrEmpty(a.Id)));

        // The builder removes the first action and points the webhook elsewhere, sending it back as read
        // (no secret, header values redacted) with one header changed: the secret and the other value stay.
        var webhook = automation.Actions[1] with { Url = receiver.Url, Headers = new Dictionary<string, string> { ["Authorization"] = AutomationAction.RedactedHeader, ["X-Team"] = "sre" } };
        var moved = await (await Client.PatchJsonAsync($"/api/automations/{automation.Id}", new UpdateAutomationRequest { Actions = [webhook] })).ReadAsync<AutomationDto>();
        Assert.Equal((automation.Actions[1].Id, true), (moved.Actions[0].Id, moved.Actions[0].HasSecret == true));
        Assert.DoesNotContain("header-token", await Client.GetStringAsync(new Uri("/api/automations", UriKind.Relative)), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync(new Uri($"/api/automations/{automation.Id}/test", UriKind.Relative), null)).StatusCode);
        await RunAutomationJobsAsync();
        var signed = Assert.Single(receiver.Received);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed.Body)), signed.Header("Console-Signature"));
        Assert.Equal((Token, "sre"), (signed.Header("Authorization"), signed.Header("X-Team")));

        // A redacted value for a header that has none stored is refused, and nothing changes.
        var unknown = moved.Actions[0] with { Headers = new Dictionary<string, string> { ["X-New"] = AutomationAction.RedactedHeader } };
        await AssertProblemAsync(await Client.PatchJsonAsync($"/api/automations/{automation.Id}", new UpdateAutomationRequest { Actions = [unknown] }), HttpStatusCode.BadRequest, "actions[0].headers");

        // hasSecret: false removes the secret: the next delivery is unsigned.
        var removed = await (await Client.PatchJsonAsync($"/api/automations/{automation.Id}", new UpdateAutomationRequest { Actions = [moved.Actions[0] with { HasSecret = false }] })).ReadAsync<AutomationDto>();
        Assert.False(removed.Actions[0].HasSecret);
        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync(new Uri($"/api/automations/{automation.Id}/test", UriKind.Relative), null)).StatusCode);
        await RunAutomationJobsAsync();
        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(string.Empty, receiver.Received.Last().Header("Console-Signature"));
        Assert.Equal(Token, receiver.Received.Last().Header("Authorization"));
    }

    [Fact]
    public async Task Service_actions_pause_and_resume_what_they_name_and_are_audited_as_the_automation()
    {
        var paused = await CreatePoolAsync(type: "process");
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync(new Uri($"/api/work-pools/{paused.Name}/pause", UriKind.Relative), null)).StatusCode);
        var running = await CreatePoolAsync(type: "process");
        var queued = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(queued.Name);
        var name = Unique("hands");
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = name,
            Trigger = new AutomationTrigger { Type = TriggerTypes.WorkerOffline, Pool = running.Name },
            Actions =
            [
                new AutomationAction { Type = ActionTypes.ResumeWorkPool, Pool = paused.Name },
                new AutomationAction { Type = ActionTypes.PauseWorkPool, Pool = running.Name },
                new AutomationAction { Type = ActionTypes.PauseWorkQueue, Pool = queued.Name, Queue = "default" },
                new AutomationAction { Type = ActionTypes.PauseDeployment, Deployment = $"{deployment.FlowName}/{deployment.Name}" },
            ],
        });

        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync(new Uri($"/api/automations/{automation.Id}/test", UriKind.Relative), null)).StatusCode);
        await RunAutomationJobsAsync();

        Assert.False((await GetAsync<WorkPoolDto>($"/api/work-pools/{paused.Name}")).IsPaused);
        Assert.True((await GetAsync<WorkPoolDto>($"/api/work-pools/{running.Name}")).IsPaused);
        Assert.Contains(await GetAsync<List<WorkQueueDto>>($"/api/work-pools/{queued.Name}/queues"), q => q.Name == "default" && q.IsPaused);
        Assert.True((await GetAsync<DeploymentDto>($"/api/deployments/{deployment.Id}")).IsPaused);
        Assert.All(await Client.DeliveriesAsync(automation.Id), d => Assert.Equal("Succeeded", d.Outcome));
        Assert.Equal(4, (await Client.DeliveriesAsync(automation.Id)).Count);

        // Each change is in the audit log under the automation's name (not skipped as the server's own).
        foreach (var resource in new[] { $"work-pool/{paused.Name}", $"work-pool/{running.Name}", $"work-queue/{queued.Name}/default", $"deployment/{deployment.FlowName}/{deployment.Name}" })
        {
            var audit = await Client.GetStringAsync(new Uri($"/api/audit?resource={resource}", UriKind.Relative));
            Assert.Contains($"\"automation:{name}\"", audit, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_webhook_answered_4xx_is_final_after_one_attempt_and_one_answered_5xx_is_given_up_after_the_maximum_attempts()
    {
        await using var refusing = await WebhookReceiver.StartAsync(404);
        await using var failing = await WebhookReceiver.StartAsync(500, 502, 503, 500, 500, 500, 500);
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("retries"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.WorkerOffline, Pool = Unique("none") },
            Actions = [AutomationApi.Webhook(refusing.Url), AutomationApi.Webhook(failing.Url)],
        });
        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync(new Uri($"/api/automations/{automation.Id}/test", UriKind.Relative), null)).StatusCode);

        // Each pass is past the longest backoff (20 s doubling, at most 320 s +20 % before the 6th attempt).
        for (var pass = 0; pass < 8; pass++)
        {
            await RunAutomationJobsAsync();
            Time.Advance(TimeSpan.FromMinutes(7));
        }

        var deliveries = await Client.DeliveriesAsync(automation.Id);
        var refused = Assert.Single(deliveries, d => d.ActionIndex == 0);
        Assert.Equal((1, 404, "Failed"), (refused.Attempt, refused.StatusCode ?? 0, refused.Outcome));
        Assert.Single(refusing.Received);

        var retried = deliveries.Where(d => d.ActionIndex == 1).OrderBy(d => d.Attempt).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], retried.Select(d => d.Attempt).ToList());
        Assert.Equal(["Retrying", "Retrying", "Retrying", "Retrying", "Retrying", "Failed"], retried.Select(d => d.Outcome).ToList());
        Assert.Equal(6, failing.Received.Count);
        Assert.Single(failing.Received.Select(r => r.Header("Console-Delivery")).Distinct());
    }

    [Fact]
    public async Task Resuming_a_paused_queue_its_workers_poll_records_workQueue_ready()
    {
        var pool = await CreatePoolAsync(type: "process");
        await Client.ClaimAsync(pool.Name, "w", 1);
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync(new Uri($"/api/work-pools/{pool.Name}/queues/default/pause", UriKind.Relative), null)).StatusCode);
        await Client.ClaimAsync(pool.Name, "w", 1);
        // Its first poll made it ready once; polled while paused, it is not.
        Assert.Single(await Client.EventsAsync($"?pool={pool.Name}&type=workQueue.ready"));

        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync(new Uri($"/api/work-pools/{pool.Name}/queues/default/resume", UriKind.Relative), null)).StatusCode);
        var ready = await Client.EventsAsync($"?pool={pool.Name}&type=workQueue.ready");
        Assert.Equal(2, ready.Count);
        Assert.Equal("default", ready[0].Resource.Name);
    }

    [Fact]
    public async Task QueueNotReady_fires_once_the_queue_has_gone_unpolled_for_forSeconds_and_once_per_outage()
    {
        var pool = await CreatePoolAsync(type: "process");
        var watched = await CreatePoolAsync(type: "process");
        var automation = await Client.CreateAutomationAsync(new CreateAutomationRequest
        {
            Name = Unique("unpolled"),
            Trigger = new AutomationTrigger { Type = TriggerTypes.QueueNotReady, Pool = pool.Name, Queue = "default", ForSeconds = 120 },
            Actions = [new AutomationAction { Type = ActionTypes.PauseWorkPool, Pool = watched.Name }],
        });
        await Client.ClaimAsync(pool.Name, "w", 1);

        // Not ready 60 s after its last poll; 120 s of that is 180 s after the poll.
        Time.Advance(TimeSpan.FromSeconds(170));
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.Empty(await Client.DeliveriesAsync(automation.Id));
        Assert.False((await GetAsync<WorkPoolDto>($"/api/work-pools/{watched.Name}")).IsPaused);

        Time.Advance(TimeSpan.FromSeconds(11));
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Time.Advance(TimeSpan.FromSeconds(60));
        await RunAutomationJobsAsync();
        await RunAutomationJobsAsync();
        Assert.True((await GetAsync<WorkPoolDto>($"/api/work-pools/{watched.Name}")).IsPaused);
        var fired = Assert.Single(await Client.EventsAsync("?type=automation.triggered&limit=1000"), e => e.Related.Any(r => r.Id == automation.Id.ToString()));
        Assert.Equal(("default", pool.Name), (fired.Resource.Name, fired.Related.First(r => r.Kind == ResourceKinds.WorkPool).Name));
        Assert.Contains(await Client.EventsAsync($"?pool={pool.Name}"), e => e.Type == EventTypes.WorkQueueNotReady);
        Assert.Single(await Client.DeliveriesAsync(automation.Id));
    }

    [Fact]
    public async Task Changing_and_deleting_a_deployment_records_deployment_updated_and_deleted()
    {
        var pool = await CreatePoolAsync(type: "process");
        var deployment = await CreateDeploymentAsync(pool.Name);
        Assert.Equal(HttpStatusCode.OK, (await Client.PatchJsonAsync($"/api/deployments/{deployment.Id}", new { description = "changed" })).StatusCode);
        Assert.True((await Client.DeleteAsync(new Uri($"/api/deployments/{deployment.Id}", UriKind.Relative))).IsSuccessStatusCode);

        var events = await Client.EventsAsync($"?deployment={deployment.Id}&type=deployment.*");
        Assert.Equal([EventTypes.DeploymentDeleted, EventTypes.DeploymentUpdated, EventTypes.DeploymentCreated], events.Select(e => e.Type).ToList());
        Assert.Contains("description", events[1].Payload["changed"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    private async Task DeleteExpiredEventsAsync()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<EventService>().DeleteExpiredAsync();
    }

    /// <summary>A run of the deployment claimed, started and ended in <paramref name="end"/>; returns its id.</summary>
    private async Task<Guid> CompleteRunAsync(string pool, Guid deployment, FlowRunState end)
    {
        var run = await RunAsync(deployment);
        var claimed = await Client.ClaimAsync(pool, "w", 10);
        Assert.Contains(claimed, r => r.Id == run.Id);
        await Client.SetStateAsync(run.Id, FlowRunState.Running);
        await Client.SetStateAsync(run.Id, end, exitCode: end == FlowRunState.Completed ? 0 : 1);
        return run.Id;
    }

    /// <summary>One pass of what the Hangfire jobs do: the clock's events and timed triggers, then the dispatcher.</summary>
    private async Task RunAutomationJobsAsync()
    {
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TimedTriggers>().RunAsync(default);
        }

        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AutomationDispatcher>().RunAsync(default);
        }
    }
}

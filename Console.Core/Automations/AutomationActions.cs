using System.Diagnostics;
using Console.Contracts;
using Console.Contracts.Automations;
using Console.Contracts.Common;
using Console.Contracts.FlowRuns;
using Console.Core.Deployments;
using Console.Core.FlowRuns;
using Console.Core.Security;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Automations;

/// <summary>Sends a webhook; the web host implements it over HTTP (signing, address checks at connect time).</summary>
public interface IWebhookSender
{
    Task<ActionOutcome> SendAsync(Automation automation, AutomationAction action, AutomationDelivery delivery, EventDto e, CancellationToken ct);
}

/// <summary>
/// Performs one action of one delivery. Everything but webhooks goes through the services the REST
/// API uses, so the same rules (and the audit log) apply as when an operator does it by hand.
/// </summary>
public sealed class AutomationActions(
    ConsoleDbContext db, IWebhookSender webhooks, DeploymentService deployments, FlowRunService runs,
    WorkPoolService pools, WorkQueueService queues)
{
    public async Task<ActionOutcome> RunAsync(Automation automation, AutomationDelivery delivery, int attempt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(automation);
        ArgumentNullException.ThrowIfNull(delivery);
        var stored = AutomationService.StoredActions(automation);
        if (delivery.ActionIndex >= stored.Count || stored[delivery.ActionIndex].Type != delivery.ActionType)
        {
            return ActionOutcome.Final(null, "The automation's actions changed since this event: this action is no longer there.", 0);
        }

        var action = stored[delivery.ActionIndex];
        var e = ConsoleJson.Deserialize<EventDto>(delivery.EventJson)!;
        if (action.Type == ActionTypes.Webhook)
        {
            return await webhooks.SendAsync(automation, action, delivery, e, ct);
        }

        var clock = Stopwatch.StartNew();
        try
        {
            // As the automation, not the server: the audit log shows who paused the pool or started the run.
            using var acting = ActingActor.Use(Actor.OfAutomation(automation.Name));
            await RunServiceActionAsync(action, delivery, e, ct);
            return ActionOutcome.Success(null, clock.ElapsedMilliseconds);
        }
        catch (ConsoleException ex)
        {
            // The rules refused it (a deployment gone, a run already ended): trying again will not help.
            return ActionOutcome.Final(null, ex.Message, clock.ElapsedMilliseconds);
        }
        catch (DbUpdateException ex)
        {
            return ActionOutcome.Retry(null, $"The database refused the change: {ex.InnerException?.Message ?? ex.Message}", clock.ElapsedMilliseconds);
        }
    }

    private async Task RunServiceActionAsync(AutomationAction action, AutomationDelivery delivery, EventDto e, CancellationToken ct)
    {
        switch (action.Type)
        {
            case ActionTypes.RunDeployment:
                var id = await AutomationService.DeploymentIdAsync(db, action.Deployment!, ct);
                // Keyed by the delivery: an attempt repeated after a crash finds its run instead of making a second.
                var key = $"automation:{delivery.Id}";
                if (await db.FlowRuns.AnyAsync(r => r.DeploymentId == id && r.ScheduleKey == key, ct))
                {
                    return;
                }

                var deployment = await deployments.FindAsync(id, ct);
                var run = deployments.BuildRun(deployment, AutomationRules.CloneParameters(action.Parameters), null, null, key);
                await runs.AddAsync(run, ct);
                break;
            case ActionTypes.CancelFlowRun:
                if (e.Resource.Kind != ResourceKinds.FlowRun || !Guid.TryParse(e.Resource.Id, out var runId))
                {
                    throw new InvalidRequestException("event", $"The event ({e.Type}) is not about a flow run: there is no run to cancel.");
                }

                var current = await runs.GetAsync(runId, ct);
                if (!current.State.IsTerminal())
                {
                    await runs.CancelAsync(runId, ct);
                }

                break;
            case ActionTypes.PauseWorkPool:
                await pools.SetPausedAsync(action.Pool!, paused: true, ct);
                break;
            case ActionTypes.ResumeWorkPool:
                await pools.SetPausedAsync(action.Pool!, paused: false, ct);
                break;
            case ActionTypes.PauseWorkQueue:
                await queues.SetPausedAsync(action.Pool!, action.Queue!, paused: true, ct);
                break;
            case ActionTypes.PauseDeployment:
                var deploymentId = await AutomationService.DeploymentIdAsync(db, action.Deployment!, ct);
                await deployments.UpdateAsync(deploymentId, new UpdateDeploymentRequest { IsPaused = true }, ct);
                break;
            default:
                throw new InvalidRequestException("type", $"Unknown action type '{action.Type}'.");
        }
    }
}

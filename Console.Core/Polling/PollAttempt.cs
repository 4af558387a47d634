using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.Feed;
using Console.Contracts.Security;
using Console.Core.Feed;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.Secrets;
using Console.Core.Security;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Polling;

/// <summary>
/// One claim of a poll (<see cref="PollService"/>) with what it reads and publishes, in a scope of
/// its own: the database context it uses is back in the pool before the poll waits.
/// </summary>
internal sealed class PollAttempt(
    ConsoleDbContext db,
    IRunClaimer claimer,
    IChangeFeed feed,
    WorkerService workers,
    WorkQueueService queues,
    WorkPoolService pools,
    FlowRunService runs,
    RunSecrets secrets,
    IActorAccessor actors)
{
    /// <summary>The pull steps of the claimed runs' deployments that have some (the claim's read says which: most have none, and then nothing is read).</summary>
    private static readonly CompiledPerModel<Func<ConsoleDbContext, Guid[], IAsyncEnumerable<DeploymentSteps>>> PullStepsQuery =
        new(() => EF.CompileAsyncQuery((ConsoleDbContext c, Guid[] ids) =>
            c.Deployments.AsNoTracking().Where(d => ids.Contains(d.Id)).Select(d => new DeploymentSteps(d.Id, d.PullSteps))));

    private sealed record DeploymentSteps(Guid Id, string PullSteps);

    public Task<ClaimOutcome> ClaimAsync(ClaimRequest request, CancellationToken ct) => claimer.ClaimAsync(request, ct);

    /// <summary>
    /// The claimed runs with what their worker needs beyond the run itself: the deployment's pull
    /// steps as they are at claim time, and the values of the secrets the run uses (its job
    /// variables', its pool template's, its pull steps' credentials) when the caller may receive
    /// them: a worker (its key's pools were checked before the poll got here), an admin key, or an
    /// open console. An operator's key polls without them, and the worker ends such a run Crashed
    /// naming the secret it lacks.
    /// </summary>
    public async Task<IReadOnlyList<FlowRunDto>> AnswerAsync(ClaimOutcome outcome, CancellationToken ct)
    {
        // One view per run: the feed gets it as it is, the answer with what only the worker may see.
        var views = outcome.Claimed.Select(runs.ToDto).ToList();
        // The deployments' timeoutSeconds (the worker enforces it) came with the claim's read; their
        // pull steps are read here, once for all the runs, only when one of the runs has some.
        var withSteps = outcome.Claimed
            .Where(r => r.DeploymentId is { } d && outcome.Deployments.GetValueOrDefault(d).HasPullSteps)
            .Select(r => r.DeploymentId!.Value).Distinct().ToArray();
        var pullSteps = new Dictionary<Guid, IReadOnlyList<PullStepDto>>();
        if (withSteps.Length > 0)
        {
            await foreach (var found in PullStepsQuery.For(db)(db, withSteps).WithCancellation(ct))
            {
                pullSteps[found.Id] = ConsoleJson.Deserialize<List<PullStepDto>>(found.PullSteps) ?? [];
            }
        }

        var actor = actors.Current;
        var mayReceive = actor.IsWorker || actor.Kind is ActorKind.System or ActorKind.Anonymous || Roles.MayAdminister(actor.Role);
        var poolSecrets = mayReceive ? SecretUsage.NamesOf(outcome.Pool).ToList() : [];
        var answer = new List<FlowRunDto>(outcome.Claimed.Count);
        for (var i = 0; i < outcome.Claimed.Count; i++)
        {
            var run = outcome.Claimed[i];
            var deployment = run.DeploymentId is { } id ? outcome.Deployments.GetValueOrDefault(id) : default;
            IReadOnlyList<PullStepDto> steps = run.DeploymentId is { } withId ? pullSteps.GetValueOrDefault(withId) ?? [] : [];
            var claimed = views[i] with { PullSteps = steps, TimeoutSeconds = deployment.TimeoutSeconds };
            answer.Add(mayReceive && await secrets.ForClaimAsync(run, poolSecrets, SecretReferences.InPullSteps(steps), ct) is { } values
                ? claimed with { Secrets = values }
                : claimed);
        }

        foreach (var view in views)
        {
            feed.Publish(new FlowRunChanged(view));
        }

        return answer;
    }

    /// <summary>The views a poll changed besides its runs': the worker's (with the stamps it left), the pool's, the queues'.</summary>
    public async Task PublishAsync(ClaimOutcome outcome, bool first, CancellationToken ct)
    {
        if (first || outcome.Claimed.Count > 0)
        {
            var stamps = new PollStampsDto(outcome.Pool.LastPolledAt, [.. outcome.PolledQueues.Select(q => new QueuePollStamp(q.Name, q.LastPolledAt))]);
            await workers.PublishAsync(outcome.Worker, stamps, outcome.WorkerRunning, ct);
        }

        if (!outcome.WorkerWasOnline)
        {
            await pools.PublishAsync(outcome.Pool, outcome.Worker, ct);
        }

        // Only a queue whose status turned: a claim's new counts reach the pages with the claimed
        // runs' own changes (FlowRunChanged). Counting a queue's backlog for every claim read the
        // whole backlog once per poll, whether anybody looked or not.
        if (outcome.QueuesTurnedReady.Count > 0)
        {
            foreach (var dto in await queues.ToDtosAsync(outcome.QueuesTurnedReady, ct))
            {
                feed.Publish(new QueueChanged(dto));
            }
        }
    }
}

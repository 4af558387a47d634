using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Feed;
using Console.Core.FlowRuns;
using Console.Core.Persistence;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Console.Core.Deployments;

public sealed partial class DeploymentService(
    ConsoleDbContext db, IChangeFeed feed, StatusRules rules, WorkPoolService pools, FlowRunService runs, IOptions<DeploymentOptions> options)
{
    public async Task<IReadOnlyList<DeploymentDto>> ListAsync(string? pool = null, string? flow = null, CancellationToken ct = default)
    {
        var query = Query();
        if (pool is not null)
        {
            query = query.Where(d => d.Pool.Name == pool);
        }

        if (flow is not null)
        {
            query = query.Where(d => d.FlowName == flow);
        }

        var list = await query.ToListAsync(ct);
        return [.. list.OrderBy(d => d.FlowName).ThenBy(d => d.Name).Select(ToDto)];
    }

    public async Task<DeploymentDto> GetAsync(Guid id, CancellationToken ct = default) => ToDto(await FindAsync(id, ct));

    public async Task<DeploymentDto> GetByNameAsync(string flow, string name, CancellationToken ct = default) =>
        ToDto(await Query().FirstOrDefaultAsync(d => d.FlowName == flow && d.Name == name, ct)
            ?? throw new NotFoundException($"Deployment '{flow}/{name}' does not exist."));

    public async Task<Deployment> FindAsync(Guid id, CancellationToken ct = default) =>
        await db.Deployments.Include(d => d.Pool).Include(d => d.Queue).FirstOrDefaultAsync(d => d.Id == id, ct)
        ?? throw new NotFoundException($"Deployment '{id}' does not exist.");

    /// <summary>What a create checks of the body alone (names, command, schedules, limits, pull steps, run policies); preflight runs it too.</summary>
    public (string FlowName, string Name, string PoolName, IReadOnlyList<PullStepDto> PullSteps, CollisionStrategy Collision) CheckCreate(CreateDeploymentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var flowName = Names.Require(request.FlowName, "flowName");
        var name = Names.Require(request.Name, "name");
        if (string.IsNullOrWhiteSpace(request.Entrypoint))
        {
            throw new InvalidRequestException("entrypoint", "An entrypoint is required (the flow's file, or file:function).");
        }

        var poolName = Names.Require(request.WorkPoolName, "workPoolName");
        if (request.WorkQueueName is not null)
        {
            Names.Require(request.WorkQueueName, "workQueueName");
        }

        CommandLine.Split(request.Command);
        Schedules.Validate(request.Schedules);
        WorkPoolService.ValidateLimit(request.ConcurrencyLimit);
        var pullSteps = PullStepRules.Normalize(request.PullSteps, options.Value.AllowLocalRepositories);
        RunPolicyRules.ValidateRetries(request.Retries);
        RunPolicyRules.ValidateTimeout(request.TimeoutSeconds);
        RunPolicyRules.ValidateLatePolicy(request.LatePolicy);
        var collision = request.CollisionStrategy ?? CollisionStrategy.Enqueue;
        RunPolicyRules.ValidateCollision(collision, request.ConcurrencyLimit);
        return (flowName, name, poolName, pullSteps, collision);
    }

    public async Task<DeploymentDto> CreateAsync(CreateDeploymentRequest request, CancellationToken ct = default)
    {
        var (flowName, name, poolName, pullSteps, collision) = CheckCreate(request);

        var pool = await pools.FindAsync(poolName, ct);
        var queue = await FindQueueAsync(pool, request.WorkQueueName ?? WorkQueue.DefaultName, ct);
        WorkPoolService.TemplateOf(pool).ValidateVariables(request.JobVariables);

        if (await db.Deployments.AnyAsync(d => d.FlowName == flowName && d.Name == name, ct))
        {
            throw new ConflictException($"Deployment '{flowName}/{name}' already exists.");
        }

        var now = rules.Now;
        var deployment = new Deployment
        {
            FlowName = flowName,
            Name = name,
            Entrypoint = request.Entrypoint!.Trim(),
            Command = request.Command,
            PoolId = pool.Id,
            Pool = pool,
            QueueId = queue.Id,
            Queue = queue,
            JobVariables = (request.JobVariables ?? []).ToJsonString(),
            Parameters = (request.Parameters ?? []).ToJsonString(),
            Schedules = ConsoleJson.Serialize(AnchorIntervals(request.Schedules, now)),
            Tags = ConsoleJson.Serialize(request.Tags ?? []),
            Description = request.Description,
            IsPaused = request.IsPaused ?? false,
            ConcurrencyLimit = request.ConcurrencyLimit,
            PullSteps = ConsoleJson.Serialize(pullSteps),
            CollisionStrategy = collision,
            Retries = request.Retries is { } retries ? ConsoleJson.Serialize(RunPolicyRules.Normalize(retries)) : null,
            TimeoutSeconds = request.TimeoutSeconds,
            LateSkipAfterSeconds = request.LatePolicy?.SkipAfterSeconds,
            LateMaxScheduled = request.LatePolicy?.MaxScheduled,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Deployments.Add(deployment);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new ConflictException($"Deployment '{flowName}/{name}' already exists.");
        }

        return Publish(deployment);
    }

    public async Task<DeploymentDto> UpdateAsync(Guid id, UpdateDeploymentRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deployment = await FindAsync(id, ct);
        var command = request.Command.GetValueOr(deployment.Command);
        CommandLine.Split(command);
        Schedules.Validate(request.Schedules);
        var limit = request.ConcurrencyLimit.GetValueOr(deployment.ConcurrencyLimit);
        WorkPoolService.ValidateLimit(limit);
        var retries = request.Retries.GetValueOr(RetriesOf(deployment));
        RunPolicyRules.ValidateRetries(retries);
        var timeout = request.TimeoutSeconds.GetValueOr(deployment.TimeoutSeconds);
        RunPolicyRules.ValidateTimeout(timeout);
        var late = request.LatePolicy.GetValueOr(LatePolicyOf(deployment));
        RunPolicyRules.ValidateLatePolicy(late);
        var collision = request.CollisionStrategy ?? deployment.CollisionStrategy;
        RunPolicyRules.ValidateCollision(collision, limit);
        if (request.Entrypoint is not null && string.IsNullOrWhiteSpace(request.Entrypoint))
        {
            throw new InvalidRequestException("entrypoint", "The entrypoint cannot be empty.");
        }

        var pullSteps = request.PullSteps is null ? null : PullStepRules.Normalize(request.PullSteps, options.Value.AllowLocalRepositories);

        if (request.WorkQueueName is not null)
        {
            var queue = await FindQueueAsync(deployment.Pool, Names.Require(request.WorkQueueName, "workQueueName"), ct);
            deployment.QueueId = queue.Id;
            deployment.Queue = queue;
        }

        if (request.JobVariables is not null)
        {
            WorkPoolService.TemplateOf(deployment.Pool).ValidateVariables(request.JobVariables);
            deployment.JobVariables = request.JobVariables.ToJsonString();
        }

        var now = rules.Now;
        deployment.Entrypoint = request.Entrypoint?.Trim() ?? deployment.Entrypoint;
        deployment.Command = command;
        deployment.Parameters = request.Parameters?.ToJsonString() ?? deployment.Parameters;
        deployment.Schedules = request.Schedules is null ? deployment.Schedules : ConsoleJson.Serialize(AnchorIntervals(request.Schedules, now));
        deployment.Tags = request.Tags is null ? deployment.Tags : ConsoleJson.Serialize(request.Tags);
        deployment.Description = request.Description ?? deployment.Description;
        deployment.IsPaused = request.IsPaused ?? deployment.IsPaused;
        deployment.ConcurrencyLimit = limit;
        deployment.PullSteps = pullSteps is null ? deployment.PullSteps : ConsoleJson.Serialize(pullSteps);
        deployment.CollisionStrategy = collision;
        deployment.Retries = retries is null ? null : ConsoleJson.Serialize(RunPolicyRules.Normalize(retries));
        deployment.TimeoutSeconds = timeout;
        deployment.LateSkipAfterSeconds = late?.SkipAfterSeconds;
        deployment.LateMaxScheduled = late?.MaxScheduled;
        deployment.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        if (request.Schedules is not null || request.IsPaused == true)
        {
            // Runs the scheduler made ahead of time follow the old schedule: drop them; it makes the new ones.
            await db.FlowRuns
                .Where(r => r.DeploymentId == id && r.ScheduleKey != null && r.State == FlowRunState.Scheduled && r.ExpectedStartAt > now)
                .ExecuteDeleteAsync(ct);
        }

        return Publish(deployment);
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct = default)
    {
        var deployment = await FindAsync(id, ct);
        // Runs keep their history; runs that never started are cancelled with the deployment.
        await runs.CancelScheduledOfDeploymentAsync(deployment.Id, "The deployment was deleted.", ct);
        db.Deployments.Remove(deployment);
        await db.SaveChangesAsync(ct);
        feed.Publish(new DeploymentDeleted(deployment.Id, deployment.Pool.Name));
    }

    /// <summary>Builds a run of the deployment; the job variables are validated against the pool's schema.</summary>
    public FlowRun BuildRun(Deployment deployment, JsonObject? parameters, JsonObject? jobVariables, DateTime? start, string? scheduleKey)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var template = WorkPoolService.TemplateOf(deployment.Pool);
        template.ValidateVariables(jobVariables);
        var merged = template.Merge(deployment.Command, ConsoleJson.ParseObject(deployment.JobVariables), jobVariables);
        var mergedParameters = ConsoleJson.ParseObject(deployment.Parameters);
        foreach (var (key, value) in parameters ?? [])
        {
            mergedParameters[key] = value?.DeepClone();
        }

        var now = rules.Now;
        var (maxAttempts, retryPolicy) = RunRetries.ForNewRun(RetriesOf(deployment));
        return new FlowRun
        {
            Name = RunNames.Next(),
            DeploymentId = deployment.Id,
            FlowName = deployment.FlowName,
            DeploymentName = deployment.Name,
            PoolId = deployment.PoolId,
            WorkPoolName = deployment.Pool.Name,
            QueueId = deployment.QueueId,
            WorkQueueName = deployment.Queue.Name,
            Parameters = mergedParameters.ToJsonString(),
            JobVariables = merged.ToJsonString(),
            ExpectedStartAt = start?.ToUniversalTime() ?? now,
            ScheduleKey = scheduleKey,
            MaxAttempts = maxAttempts,
            RetryPolicy = retryPolicy,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public DeploymentDto ToDto(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var queueStatus = rules.Queue(deployment.Queue, deployment.Pool.IsPaused);
        return new DeploymentDto
        {
            Id = deployment.Id,
            FlowName = deployment.FlowName,
            Name = deployment.Name,
            Entrypoint = deployment.Entrypoint,
            Command = deployment.Command,
            WorkPoolName = deployment.Pool.Name,
            WorkQueueName = deployment.Queue.Name,
            JobVariables = ConsoleJson.ParseObject(deployment.JobVariables),
            Parameters = ConsoleJson.ParseObject(deployment.Parameters),
            Schedules = ConsoleJson.Deserialize<List<ScheduleDto>>(deployment.Schedules) ?? [],
            Tags = ConsoleJson.Deserialize<List<string>>(deployment.Tags) ?? [],
            Description = deployment.Description,
            IsPaused = deployment.IsPaused,
            ConcurrencyLimit = deployment.ConcurrencyLimit,
            PullSteps = PullStepsOf(deployment),
            CollisionStrategy = deployment.CollisionStrategy,
            Retries = RetriesOf(deployment),
            TimeoutSeconds = deployment.TimeoutSeconds,
            LatePolicy = LatePolicyOf(deployment),
            Status = StatusRules.Deployment(queueStatus),
            CreatedAt = deployment.CreatedAt,
            UpdatedAt = deployment.UpdatedAt,
            Version = deployment.Version,
        };
    }

    public static IReadOnlyList<PullStepDto> PullStepsOf(Deployment deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return ConsoleJson.Deserialize<List<PullStepDto>>(deployment.PullSteps) ?? [];
    }
    private static RetryPolicyDto? RetriesOf(Deployment deployment) =>
        deployment.Retries is null ? null : ConsoleJson.Deserialize<RetryPolicyDto>(deployment.Retries);

    private static LatePolicyDto? LatePolicyOf(Deployment deployment) =>
        deployment.LateSkipAfterSeconds is null && deployment.LateMaxScheduled is null
            ? null
            : new LatePolicyDto { SkipAfterSeconds = deployment.LateSkipAfterSeconds, MaxScheduled = deployment.LateMaxScheduled };

    private DeploymentDto Publish(Deployment deployment)
    {
        var dto = ToDto(deployment);
        feed.Publish(new DeploymentChanged(dto));
        return dto;
    }

    private IQueryable<Deployment> Query() =>
        db.Deployments.AsNoTracking().Include(d => d.Pool).Include(d => d.Queue);

    private async Task<WorkQueue> FindQueueAsync(WorkPool pool, string name, CancellationToken ct) =>
        await db.WorkQueues.FirstOrDefaultAsync(q => q.PoolId == pool.Id && q.Name == name, ct)
        ?? throw new NotFoundException($"Work queue '{name}' does not exist in pool '{pool.Name}'.");

    /// <summary>Interval schedules count from a fixed anchor so occurrences stay the same across restarts.</summary>
    private static List<ScheduleDto> AnchorIntervals(IReadOnlyList<ScheduleDto>? schedules, DateTime now) =>
        [.. (schedules ?? []).Select(s => s.IntervalSeconds is not null && s.AnchorDate is null ? s with { AnchorDate = now } : s)];
}

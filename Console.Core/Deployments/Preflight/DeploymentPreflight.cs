using System.Text.Json;
using System.Text.Json.Nodes;
using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Deployments;
using Console.Contracts.Diagnostics;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Core.Common;
using Console.Core.Diagnostics;
using Console.Core.Persistence;
using Console.Core.Secrets;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.Deployments.Preflight;

/// <summary>
/// <c>POST /api/deployments/preflight</c>: would this body, created as a deployment, run? It reads
/// and renders, and never writes: no deployment, audit row or event comes of it (docs/api.md,
/// "Preflight"). Problems of the body are failed checks, not 400/422 answers.
/// </summary>
public sealed partial class DeploymentPreflight(
    ConsoleDbContext db, DeploymentService deployments, DiagnosisService diagnosis, StatusRules rules,
    WorkerImages workerImages, IImageRegistry registry, Microsoft.Extensions.Options.IOptions<DeploymentOptions> options)
{
    private const string NotChecked = "Not checked: the work pool or queue is unknown.";

    public async Task<PreflightResultDto> CheckAsync(CreateDeploymentRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var checks = new List<PreflightCheckDto> { CheckRequest(request) };

        var (pool, queue, poolCheck) = await CheckPoolAsync(request, ct);
        checks.Add(poolCheck);
        JobTemplate? template = pool is null ? null : WorkPoolService.TemplateOf(pool);
        var job = template is null ? null : Render(template, request);

        checks.Add(template is null ? new(PreflightChecks.Variables, false, NotChecked) : CheckVariables(pool!, template, request));
        checks.Add(await CheckSecretsAsync(pool, request, ct));
        if (pool is null || queue is null)
        {
            checks.Add(new(PreflightChecks.Worker, false, NotChecked));
            checks.Add(new(PreflightChecks.Image, false, NotChecked));
            checks.Add(new(PreflightChecks.Entrypoint, false, NotChecked));
        }
        else
        {
            var online = await OnlineWorkersAsync(pool, queue, ct);
            checks.Add(await CheckWorkerAsync(pool, queue, online, ct));
            checks.Add(await CheckImageAsync(pool, job, online, ct));
            checks.Add(CheckEntrypoint(pool, job, request));
        }

        return new PreflightResultDto { Ok = checks.All(c => c.Ok), Job = job, Checks = checks };
    }

    /// <summary>Preflight of a saved deployment: its own body, checked as if it were created now.</summary>
    public async Task<PreflightResultDto> CheckSavedAsync(Guid id, CancellationToken ct = default) =>
        await CheckAsync(ToRequest(await deployments.GetAsync(id, ct)), ct);

    /// <summary>The body that would create <paramref name="deployment"/> as it is.</summary>
    public static CreateDeploymentRequest ToRequest(DeploymentDto deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return new CreateDeploymentRequest
        {
            FlowName = deployment.FlowName,
            Name = deployment.Name,
            Entrypoint = deployment.Entrypoint,
            Command = deployment.Command,
            WorkPoolName = deployment.WorkPoolName,
            WorkQueueName = deployment.WorkQueueName,
            JobVariables = deployment.JobVariables,
            Parameters = deployment.Parameters,
            Schedules = deployment.Schedules,
            Tags = deployment.Tags,
            Description = deployment.Description,
            IsPaused = deployment.IsPaused,
            ConcurrencyLimit = deployment.ConcurrencyLimit,
            CollisionStrategy = deployment.CollisionStrategy,
            Retries = deployment.Retries,
            TimeoutSeconds = deployment.TimeoutSeconds,
            LatePolicy = deployment.LatePolicy,
            PullSteps = deployment.PullSteps,
        };
    }

    /// <summary>What create checks of the body alone, reported instead of thrown.</summary>
    private PreflightCheckDto CheckRequest(CreateDeploymentRequest request)
    {
        try
        {
            var (flow, name, _, _, _) = deployments.CheckCreate(request);
            return new(PreflightChecks.Request, true, $"The fields of '{flow}/{name}' are valid.");
        }
        catch (ConsoleException ex)
        {
            return new(PreflightChecks.Request, false, Describe(ex));
        }
    }

    private async Task<(WorkPool? Pool, WorkQueue? Queue, PreflightCheckDto Check)> CheckPoolAsync(CreateDeploymentRequest request, CancellationToken ct)
    {
        var poolName = request.WorkPoolName?.Trim();
        if (!Names.IsValid(poolName))
        {
            return (null, null, new(PreflightChecks.Pool, false, "Name the work pool its runs go to (workPoolName)."));
        }

        var pool = await db.WorkPools.AsNoTracking().FirstOrDefaultAsync(p => p.Name == poolName, ct);
        if (pool is null)
        {
            return (null, null, new(PreflightChecks.Pool, false, $"Work pool '{poolName}' does not exist."));
        }

        var queueName = request.WorkQueueName?.Trim() ?? WorkQueue.DefaultName;
        var queue = Names.IsValid(queueName)
            ? await db.WorkQueues.AsNoTracking().FirstOrDefaultAsync(q => q.PoolId == pool.Id && q.Name == queueName, ct)
            : null;
        if (queue is null)
        {
            return (pool, null, new(PreflightChecks.Pool, false, $"Work queue '{queueName}' does not exist in pool '{pool.Name}'."));
        }

        // The diagnosis words paused pools and queues; one sentence for both places.
        var paused = (await diagnosis.WorkQueueAsync(pool.Name, queue.Name, ct)).Reasons
            .Where(r => r.Code is DiagnosisCodes.PoolPaused or DiagnosisCodes.QueuePaused).Select(r => r.Message).ToList();
        return paused.Count > 0
            ? (pool, queue, new(PreflightChecks.Pool, false, string.Join(" ", paused)))
            : (pool, queue, new(PreflightChecks.Pool, true, $"Work pool '{pool.Name}' ({pool.Type}) and its queue '{queue.Name}' exist and are not paused."));
    }

    /// <summary>The job a worker would get: the template rendered with defaults, the command and the variables; secret references stay references.</summary>
    private static JsonObject? Render(JobTemplate template, CreateDeploymentRequest request)
    {
        try
        {
            return template.Render(template.Merge(request.Command, request.JobVariables));
        }
        catch (ConsoleException)
        {
            return null;
        }
    }

    private static PreflightCheckDto CheckVariables(WorkPool pool, JobTemplate template, CreateDeploymentRequest request)
    {
        try
        {
            template.ValidateVariables(request.JobVariables);
            JobSecurityPolicy.CheckVariables(template.Source, template.Merge(request.Command, request.JobVariables));
            var count = request.JobVariables?.Count ?? 0;
            return new(PreflightChecks.Variables, true, count == 0
                ? $"No job variables set: the defaults of pool '{pool.Name}' apply."
                : $"{count} job variable{(count == 1 ? "" : "s")} ({string.Join(", ", request.JobVariables!.Select(v => v.Key))}) match the schema of pool '{pool.Name}'.");
        }
        catch (ConsoleException ex)
        {
            return new(PreflightChecks.Variables, false, Describe(ex));
        }
    }

    private async Task<PreflightCheckDto> CheckSecretsAsync(WorkPool? pool, CreateDeploymentRequest request, CancellationToken ct)
    {
        var named = SecretReferences.InJobVariables(request.JobVariables)
            .Concat(SecretReferences.InPullSteps(request.PullSteps))
            .Concat(pool is null ? [] : SecretUsage.NamesOf(pool))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (named.Count == 0)
        {
            return new(PreflightChecks.Secrets, true, "The job names no secret.");
        }

        try
        {
            await SecretUsage.RequireExistingAsync(db, named, "jobVariables", ct);
            return new(PreflightChecks.Secrets, true, $"The secrets it names exist: {string.Join(", ", named.Select(n => $"'{n}'"))}.");
        }
        catch (UnprocessableException ex)
        {
            return new(PreflightChecks.Secrets, false, string.Join(" ", ex.Errors.Values.SelectMany(e => e).Distinct()));
        }
    }

    private async Task<List<PoolWorker>> OnlineWorkersAsync(WorkPool pool, WorkQueue queue, CancellationToken ct) =>
        [.. (await db.Workers.AsNoTracking().Where(w => w.PoolId == pool.Id).OrderBy(w => w.Name).ToListAsync(ct))
            .Where(w => rules.Worker(w) == WorkerStatus.Online && DiagnosisService.Serves(w, queue.Name))];

    private async Task<PreflightCheckDto> CheckWorkerAsync(WorkPool pool, WorkQueue queue, List<PoolWorker> online, CancellationToken ct)
    {
        if (online.Count == 0)
        {
            var reason = (await diagnosis.WorkQueueAsync(pool.Name, queue.Name, ct)).Reasons.FirstOrDefault(r => r.Code == DiagnosisCodes.NoWorker);
            return new(PreflightChecks.Worker, false, reason?.Message ?? $"No online worker serves queue '{queue.Name}' of pool '{pool.Name}'.");
        }

        var healthy = online.Where(w => w.IsHealthy).ToList();
        if (healthy.Count == 0)
        {
            return new(PreflightChecks.Worker, false, $"The online workers serving queue '{queue.Name}' report unhealthy: "
                + string.Join("; ", online.Select(w => $"'{w.Name}': {w.HealthMessage ?? "no reason given"}")) + ".");
        }

        return new(PreflightChecks.Worker, true,
            $"Online and serving queue '{queue.Name}': {string.Join(", ", healthy.Select(w => $"'{w.Name}'"))}.");
    }

    private PreflightCheckDto CheckEntrypoint(WorkPool pool, JsonObject? job, CreateDeploymentRequest request)
    {
        var entrypoint = request.Entrypoint?.Trim();
        if (string.IsNullOrEmpty(entrypoint))
        {
            return new(PreflightChecks.Entrypoint, false, "An entrypoint is required (the flow's file, or file:function).");
        }

        var steps = request.PullSteps ?? [];
        if (steps.LastOrDefault(s => s?.GitClone is not null)?.GitClone is { } clone)
        {
            return new(PreflightChecks.Entrypoint, true,
                $"Cannot be known before a run: the code is cloned from {clone.Repository} when the run starts.");
        }

        if (pool.Type != WorkPoolTypes.Process)
        {
            return new(PreflightChecks.Entrypoint, true,
                $"Cannot be known here: '{entrypoint}' is looked for inside the image, which the server does not open.");
        }

        var folder = steps.LastOrDefault(s => s?.SetWorkingDirectory is not null)?.SetWorkingDirectory?.Directory
            ?? (job?["working_dir"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null);
        if (string.IsNullOrWhiteSpace(folder) || !Path.IsPathRooted(folder))
        {
            return new(PreflightChecks.Entrypoint, true, "Cannot be known here: runs start in the worker's own folder.");
        }

        var file = FileOf(entrypoint);
        if (!options.Value.CheckEntrypointOnServer || file is null)
        {
            return new(PreflightChecks.Entrypoint, true,
                $"Cannot be known here: runs start in {folder} on the worker's machine, which this server does not look into.");
        }

        if (!Directory.Exists(folder))
        {
            return new(PreflightChecks.Entrypoint, true, $"Cannot be known here: this server does not see the folder {folder} (it is on the worker's machine).");
        }

        return File.Exists(Path.Combine(folder, file))
            ? new(PreflightChecks.Entrypoint, true, $"'{file}' exists in {folder}.")
            : new(PreflightChecks.Entrypoint, false, $"'{file}' is not in {folder}, where the runs start.");
    }

    /// <summary>The file part of <c>file[:function]</c>, when it stays inside the folder (no rooted path, no '..').</summary>
    private static string? FileOf(string entrypoint)
    {
        var colon = entrypoint.LastIndexOf(':');
        var file = (colon > 1 ? entrypoint[..colon] : entrypoint).Replace('\\', '/');
        return file.Length == 0 || file.StartsWith('/') || Path.IsPathRooted(file) || file.Split('/').Contains("..") ? null : file;
    }

    /// <summary>An error's sentence, with each field it names (e.g. <c>jobVariables.image: ...</c>).</summary>
    private static string Describe(ConsoleException ex) =>
        ex.Errors.Count == 0
            ? ex.Message
            : string.Join(" ", ex.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
}

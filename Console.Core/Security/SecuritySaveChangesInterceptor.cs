using Console.Contracts.Common;
using Console.Contracts.Security;
using Console.Contracts.WorkPools;
using Console.Core.Deployments;
using Console.Core.FlowRuns;
using Console.Core.Secrets;
using Console.Core.WorkPools;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Console.Core.Security;

/// <summary>
/// Every write of the console passes here, whichever way it came (REST, the Blazor UI, a job), so
/// three rules live in one place instead of in every service:
/// 1. the write guard: the actor's role allows the change (defence in depth behind the HTTP rules);
/// 2. the job security policy: what runs may mount and join (<see cref="JobSecurityPolicy"/>);
/// 3. the audit log: who changed what, written in the same transaction as the change.
/// A refused save leaves the context as it was before the changes, so a long-lived context (a UI
/// circuit, a job's loop) does not try the same refused change again.
/// </summary>
public sealed class SecuritySaveChangesInterceptor(IActorAccessor actors, TimeProvider time, CredentialState credentials)
    : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.Context is { } context)
        {
            // No synchronisation context in this host; the services themselves save asynchronously.
            InspectAsync(context, CancellationToken.None).GetAwaiter().GetResult();
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (eventData.Context is { } context)
        {
            await InspectAsync(context, cancellationToken);
        }

        return result;
    }

    private async Task InspectAsync(DbContext context, CancellationToken ct)
    {
        var entries = context.ChangeTracker.Entries()
            .Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted && e.Entity is not (AuditEntry or Events.ConsoleEvent))
            .ToList();
        if (entries.Count == 0)
        {
            return;
        }

        var actor = actors.Current;
        try
        {
            await WriteGuard.CheckAsync(actor, entries, credentials, ct);
            await CheckJobPolicyAsync(context, entries, ct);
        }
        catch (Exception ex) when (ex is AccessDeniedException or UnprocessableException)
        {
            Revert(context);
            throw;
        }

        var now = time.GetUtcNow().UtcDateTime;
        foreach (var entry in await AuditRecorder.EntriesAsync(context, actor, entries, now, ct))
        {
            context.Add(entry);
        }
    }

    private static async Task CheckJobPolicyAsync(DbContext context, List<EntityEntry> entries, CancellationToken ct)
    {
        foreach (var entry in entries)
        {
            switch (entry.Entity)
            {
                case WorkPool pool when entry.State == EntityState.Added || (entry.State == EntityState.Modified && entry.Property(nameof(WorkPool.BaseJobTemplate)).IsModified):
                    JobSecurityPolicy.CheckTemplate(ConsoleJson.ParseObject(pool.BaseJobTemplate));
                    await SecretUsage.RequireExistingAsync(context, SecretUsage.NamesOf(pool), "baseJobTemplate", ct);
                    break;
                case Deployment deployment when entry.State == EntityState.Added
                    || (entry.State == EntityState.Modified && (entry.Property(nameof(Deployment.JobVariables)).IsModified || entry.Property(nameof(Deployment.Command)).IsModified)):
                    var deploymentPool = deployment.Pool ?? await PoolAsync(context, deployment.PoolId, ct);
                    var template = ConsoleJson.ParseObject(deploymentPool.BaseJobTemplate);
                    var merged = JobTemplate.Parse(template).Merge(deployment.Command, ConsoleJson.ParseObject(deployment.JobVariables));
                    JobSecurityPolicy.CheckVariables(template, merged);
                    await SecretUsage.RequireExistingAsync(context, SecretUsage.NamesOf(deployment), "jobVariables", ct);
                    await SecretUsage.RequireExistingAsync(context, SecretUsage.PullStepNamesOf(deployment), "pullSteps", ct);
                    break;
                case Deployment deployment when entry.State == EntityState.Modified && entry.Property(nameof(Deployment.PullSteps)).IsModified:
                    await SecretUsage.RequireExistingAsync(context, SecretUsage.PullStepNamesOf(deployment), "pullSteps", ct);
                    break;
                case FlowRun run when entry.State == EntityState.Added:
                    var runPool = await PoolAsync(context, run.PoolId, ct);
                    JobSecurityPolicy.CheckVariables(ConsoleJson.ParseObject(runPool.BaseJobTemplate), ConsoleJson.ParseObject(run.JobVariables));
                    await SecretUsage.RequireExistingAsync(context, SecretReferences.InJobVariables(ConsoleJson.ParseObject(run.JobVariables)), "jobVariables", ct);
                    break;
            }
        }
    }

    private static async Task<WorkPool> PoolAsync(DbContext context, Guid id, CancellationToken ct) =>
        context.Set<WorkPool>().Local.FirstOrDefault(p => p.Id == id)
        ?? await context.Set<WorkPool>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct)
        ?? throw new NotFoundException($"Work pool '{id}' does not exist.");

    private static void Revert(DbContext context)
    {
        foreach (var entry in context.ChangeTracker.Entries().ToList())
        {
            switch (entry.State)
            {
                case EntityState.Added:
                    entry.State = EntityState.Detached;
                    break;
                case EntityState.Modified:
                    entry.CurrentValues.SetValues(entry.OriginalValues);
                    entry.State = EntityState.Unchanged;
                    break;
                case EntityState.Deleted:
                    entry.State = EntityState.Unchanged;
                    break;
            }
        }
    }
}

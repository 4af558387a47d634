using Console.Contracts.FlowRuns;
using Console.Core.Automations;
using Console.Core.Events;
using Console.Core.Deployments;
using Console.Core.FlowRuns;
using Console.Core.Secrets;
using Console.Core.Security;
using Console.Core.Workers;
using Console.Core.WorkPools;
using Console.Core.WorkQueues;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Console.Core.Persistence;

/// <summary>
/// The console's database. SQLite uses this type; other providers derive from it (e.g.
/// <see cref="Postgres.PostgresConsoleDbContext"/>) so each keeps its own migrations, while every
/// service keeps asking for a <see cref="ConsoleDbContext"/>.
/// </summary>
public class ConsoleDbContext : DbContext
{
    public ConsoleDbContext(DbContextOptions<ConsoleDbContext> options)
        : base(options)
    {
    }

    protected ConsoleDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<WorkPool> WorkPools => Set<WorkPool>();
    public DbSet<WorkQueue> WorkQueues => Set<WorkQueue>();
    public DbSet<PoolWorker> Workers => Set<PoolWorker>();
    public DbSet<Deployment> Deployments => Set<Deployment>();
    public DbSet<FlowRun> FlowRuns => Set<FlowRun>();
    public DbSet<FlowRunStateChange> FlowRunStateChanges => Set<FlowRunStateChange>();
    public DbSet<LogLine> LogLines => Set<LogLine>();
    public DbSet<FlowRunWait> FlowRunWaits => Set<FlowRunWait>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<ConsoleUser> Users => Set<ConsoleUser>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<ConsoleEvent> Events => Set<ConsoleEvent>();
    public DbSet<Automation> Automations => Set<Automation>();
    public DbSet<AutomationDelivery> AutomationDeliveries => Set<AutomationDelivery>();
    public DbSet<DeliveryAttempt> DeliveryAttempts => Set<DeliveryAttempt>();
    public DbSet<Secret> Secrets => Set<Secret>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        StampVersions();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        StampVersions();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// Every tracked write of a run, pool, queue or deployment moves its version on by one: change
    /// events carry it so clients drop one that arrives after a newer one. Set-based writes
    /// (the claim) bump it in their own statement.
    /// </summary>
    private void StampVersions()
    {
        foreach (var entry in ChangeTracker.Entries<IVersioned>())
        {
            if (entry.State == EntityState.Added)
            {
                entry.Entity.Version = Math.Max(entry.Entity.Version, 1);
            }
            else if (entry.State == EntityState.Modified)
            {
                entry.Entity.Version = entry.OriginalValues.GetValue<long>(nameof(IVersioned.Version)) + 1;
            }
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);

        // SQLite keeps no kind: every time we store is UTC, so say so when reading it back,
        // otherwise the API would print times without their 'Z'. On PostgreSQL the columns are
        // timestamptz, which Npgsql reads as UTC already and refuses to write in any other kind.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<FlowRunState>().HaveConversion<string>().HaveMaxLength(16);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<WorkPool>(e =>
        {
            e.HasIndex(p => p.Name).IsUnique();
            e.HasMany(p => p.Queues).WithOne(q => q.Pool).HasForeignKey(q => q.PoolId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<WorkQueue>(e =>
        {
            e.HasIndex(q => new { q.PoolId, q.Name }).IsUnique();
            e.HasIndex(q => new { q.PoolId, q.Priority });
        });

        modelBuilder.Entity<PoolWorker>(e =>
        {
            e.HasIndex(w => new { w.PoolId, w.Name }).IsUnique();
            e.HasOne(w => w.Pool).WithMany().HasForeignKey(w => w.PoolId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Deployment>(e =>
        {
            e.HasIndex(d => new { d.FlowName, d.Name }).IsUnique();
            e.HasOne(d => d.Pool).WithMany().HasForeignKey(d => d.PoolId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(d => d.Queue).WithMany().HasForeignKey(d => d.QueueId).OnDelete(DeleteBehavior.Restrict);
            e.Property(d => d.CollisionStrategy).HasConversion<string>().HasMaxLength(16);
        });

        modelBuilder.Entity<FlowRun>(e =>
        {
            // The claim path: due runs of a pool in a state, oldest first.
            e.HasIndex(r => new { r.PoolId, r.State, r.ExpectedStartAt });
            e.HasIndex(r => new { r.QueueId, r.State, r.ExpectedStartAt });
            e.HasIndex(r => new { r.DeploymentId, r.State });
            // A worker's runs in flight (its running count, on every poll that claims): the pool last,
            // so the count reads the index alone and never the pool's other runs in flight. Only runs
            // with a worker: a run waiting for its claim is not in it, so the claim adds an entry and
            // removes none (the partial indexes here: ADR 0001, "Indexes of the rows a claim writes").
            e.HasIndex(r => new { r.WorkerName, r.State, r.PoolId }).HasFilter("\"WorkerName\" IS NOT NULL");
            e.HasIndex(r => r.CreatedAt);
            e.HasIndex(r => new { r.DeploymentId, r.ScheduleKey }).IsUnique();
            // The claim counts held slots of a pool; almost every row has none, and only those are in it.
            e.HasIndex(r => new { r.PoolId, r.InfrastructureHeldSince }).HasFilter("\"InfrastructureHeldSince\" IS NOT NULL");
            // Runs waiting for their next attempt, by when it is due (the claim's second seek); only those.
            e.HasIndex(r => new { r.QueueId, r.State, r.NextAttemptAt }).HasFilter("\"NextAttemptAt\" IS NOT NULL");
            // One run per key and deployment (docs/api.md, "Idempotency-Key"); NULLs are distinct.
            e.Property(r => r.IdempotencyKey).HasMaxLength(IdempotencyKeys.MaxLength);
            e.HasIndex(r => new { r.DeploymentId, r.IdempotencyKey }).IsUnique();
            // Every transition is judged against the state it read; the UPDATE only lands while
            // the row still has it (FlowRunService.ApplyToLatestAsync decides again otherwise).
            e.Property(r => r.State).IsConcurrencyToken();
        });

        modelBuilder.Entity<FlowRunStateChange>(e => e.HasIndex(c => new { c.FlowRunId, c.Id }));
        // Like state changes and log lines: no foreign key, the retention job deletes them with their run.
        modelBuilder.Entity<FlowRunWait>(e => e.HasIndex(w => new { w.FlowRunId, w.Id }));

        modelBuilder.Entity<LogLine>(e =>
        {
            e.HasKey(l => l.Seq);
            e.HasIndex(l => new { l.FlowRunId, l.Seq });
            e.Property(l => l.ClientId).HasMaxLength(FlowRunService.MaxLogLineIdLength);
            // NULLs are distinct in a unique index (SQLite and PostgreSQL): lines sent without an id are never folded.
            e.HasIndex(l => new { l.FlowRunId, l.ClientId }).IsUnique();
        });

        // Security (docs/security.md): keys are found by their visible prefix, users by name.
        modelBuilder.Entity<ApiKey>(e =>
        {
            e.HasIndex(k => k.Prefix).IsUnique();
            e.Property(k => k.Prefix).HasMaxLength(16);
            e.Property(k => k.SecretHash).HasMaxLength(64);
        });
        modelBuilder.Entity<ConsoleUser>(e => e.HasIndex(u => u.UserName).IsUnique());
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.HasIndex(a => a.At);
            e.HasIndex(a => new { a.Resource, a.ResourceName });
        });

        // Events and automations (docs/automations.md).
        modelBuilder.Entity<ConsoleEvent>(e =>
        {
            e.HasKey(x => x.Seq);
            e.HasIndex(x => x.Id).IsUnique();
            e.HasIndex(x => x.OccurredAt);
            // The dispatcher's backlog: an event leaves it once matched against the automations.
            e.HasIndex(x => x.DispatchedAt).HasFilter("\"DispatchedAt\" IS NULL");
            e.HasIndex(x => new { x.Type, x.Seq });
            e.HasIndex(x => new { x.PoolName, x.Seq });
            e.HasIndex(x => new { x.DeploymentId, x.Type, x.State });
            e.HasIndex(x => new { x.FlowRunId, x.Seq });
            // An automation's own events, and the occurrences of what time alone causes (one record
            // each, however many replicas notice it): a few of all events, and only those are in them.
            e.HasIndex(x => new { x.AutomationId, x.Type }).HasFilter("\"AutomationId\" IS NOT NULL");
            e.HasIndex(x => x.OccurrenceKey).IsUnique().HasFilter("\"OccurrenceKey\" IS NOT NULL");
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.ResourceKind).HasMaxLength(32);
            e.Property(x => x.State).HasMaxLength(16);
            e.Property(x => x.OccurrenceKey).HasMaxLength(200);
        });
        modelBuilder.Entity<Automation>(e =>
        {
            e.HasIndex(a => a.Name).IsUnique();
            e.Property(a => a.LastFiredAt).IsConcurrencyToken();
        });
        modelBuilder.Entity<AutomationDelivery>(e =>
        {
            // Each action of an automation is delivered once per event, under one id.
            e.HasIndex(d => new { d.EventId, d.AutomationId, d.ActionIndex }).IsUnique();
            e.HasIndex(d => new { d.Status, d.NextAttemptAt });
            e.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        });
        modelBuilder.Entity<DeliveryAttempt>(e =>
        {
            e.HasIndex(d => new { d.DeliveryId, d.Attempt }).IsUnique();
            e.HasIndex(d => new { d.AutomationId, d.Id });
            e.HasIndex(d => d.At);
        });
        modelBuilder.Entity<Secret>(e =>
        {
            e.HasIndex(s => s.Name).IsUnique();
            e.Property(s => s.Name).HasMaxLength(63);
            e.Property(s => s.Description).HasMaxLength(SecretService.MaxDescriptionLength);
        });
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

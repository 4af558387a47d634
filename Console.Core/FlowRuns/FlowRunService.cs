using Console.Contracts;
using Console.Contracts.Common;
using Console.Contracts.Feed;
using Console.Contracts.FlowRuns;
using Console.Core.Common;
using Console.Core.Events;
using Console.Core.Feed;
using Console.Core.Metrics;
using Console.Core.Persistence;
using Console.Core.Secrets;
using Microsoft.EntityFrameworkCore;

namespace Console.Core.FlowRuns;

public sealed class FlowRunService(ConsoleDbContext db, IChangeFeed feed, StatusRules rules, ConsoleMetrics metrics, RunSecrets secrets, EventRecorder events)
{
    public const int MaxLogLinesPerPost = 5_000;
    public const int MaxLogMessageLength = 64 * 1024;
    public const int MaxLogLineIdLength = 64;
    public const int MaxLogLevelLength = 16;

    public async Task<IReadOnlyList<FlowRunDto>> ListAsync(FlowRunQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = query.Limit ?? 200;
        if (limit is < 1 or > 10_000)
        {
            throw new InvalidRequestException("limit", "The limit must be 1 to 10000.");
        }

        var runs = db.FlowRuns.AsNoTracking();
        if (query.Pool is not null) { runs = runs.Where(r => r.WorkPoolName == query.Pool); }
        if (query.Queue is not null) { runs = runs.Where(r => r.WorkQueueName == query.Queue); }
        if (query.Deployment is { } deployment) { runs = runs.Where(r => r.DeploymentId == deployment); }
        if (query.Worker is not null) { runs = runs.Where(r => r.WorkerName == query.Worker); }
        if (query.State is { } state)
        {
            var cutoff = rules.LateCutoff;
            runs = state switch
            {
                FlowRunState.Late => runs.Where(r => r.State == FlowRunState.Scheduled && r.ExpectedStartAt < cutoff),
                FlowRunState.Scheduled => runs.Where(r => r.State == FlowRunState.Scheduled && r.ExpectedStartAt >= cutoff),
                _ => runs.Where(r => r.State == state),
            };
        }

        var list = await runs.OrderByDescending(r => r.CreatedAt).Take(limit).ToListAsync(ct);
        return [.. list.Select(ToDto)];
    }

    public async Task<FlowRunDto> GetAsync(Guid id, CancellationToken ct = default) => (await ToDtosWithTimeoutAsync([await FindAsync(id, ct)], ct))[0];

    /// <summary>
    /// The runs with their deployment's <c>timeoutSeconds</c>: the claim answer and a single run's
    /// read carry it, so the worker that runs (or adopts) a run stops it on time.
    /// </summary>
    public async Task<IReadOnlyList<FlowRunDto>> ToDtosWithTimeoutAsync(IReadOnlyList<FlowRun> runs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var ids = runs.Where(r => r.DeploymentId is not null).Select(r => r.DeploymentId!.Value).Distinct().ToList();
        var timeouts = ids.Count == 0
            ? []
            : await db.Deployments.AsNoTracking().Where(d => ids.Contains(d.Id) && d.TimeoutSeconds != null)
                .ToDictionaryAsync(d => d.Id, d => d.TimeoutSeconds, ct);
        return [.. runs.Select(r => ToDto(r) with { TimeoutSeconds = r.DeploymentId is { } d ? timeouts.GetValueOrDefault(d) : null })];
    }

    public async Task<FlowRun> FindAsync(Guid id, CancellationToken ct = default) =>
        await db.FlowRuns.FirstOrDefaultAsync(r => r.Id == id, ct)
        ?? throw new NotFoundException($"Flow run '{id}' does not exist.");

    public async Task<IReadOnlyList<StateChangeDto>> HistoryAsync(Guid id, CancellationToken ct = default)
    {
        await FindAsync(id, ct);
        return await db.FlowRunStateChanges.AsNoTracking()
            .Where(c => c.FlowRunId == id).OrderBy(c => c.Id)
            .Select(c => new StateChangeDto(c.State, c.Message, c.Timestamp, c.Attempt))
            .ToListAsync(ct);
    }

    /// <summary>Stores a new run (already validated and merged) and wakes the pool's pollers.</summary>
    public async Task<FlowRunDto> AddAsync(FlowRun run, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        db.FlowRuns.Add(run);
        Record(run);
        await db.SaveChangesAsync(ct);
        var dto = ToDto(run);
        feed.Publish(new FlowRunChanged(dto));
        return dto;
    }

    public async Task<FlowRunDto> SetStateAsync(Guid id, SetStateRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.State is not { } state)
        {
            throw new InvalidRequestException("state", "The target state is required.");
        }

        var revision = request.CodeRevision?.Trim().ToLowerInvariant();
        if (revision is not null && (revision.Length is < 7 or > 64 || !revision.All(char.IsAsciiHexDigitLower)))
        {
            throw new InvalidRequestException("codeRevision", "A code revision is a commit: 7 to 64 hexadecimal digits.");
        }

        if (state is FlowRunState.AwaitingRetry or FlowRunState.Skipped)
        {
            throw new ConflictException($"{state} is set by the server (its retry or late policy), never reported.");
        }

        if (request.Attempt is < 1)
        {
            throw new InvalidRequestException("attempt", "The attempt is 1 or more.");
        }

        RunUsage.Validate(request.Usage);
        var report = new StateReport(state, request.Message, request.ExitCode, request.InfrastructureId)
        {
            CodeRevision = state == FlowRunState.Running ? revision : null,
            Usage = state.IsTerminal() ? request.Usage : null,
        };
        return await ApplyToLatestAsync(id, run => request.Attempt is { } attempt && attempt != run.Attempt
            ? throw new ConflictException(attempt < run.Attempt
                ? $"Attempt {attempt} of the run has ended; the run is on attempt {run.Attempt} ({run.State}). The report is refused."
                : $"The run has not reached attempt {attempt}; it is on attempt {run.Attempt} ({run.State}).")
            : report.Message is { Length: > 0 } message && run.ProtectedSecretValues is not null
            ? report with { Message = secrets.MaskOf(run.ProtectedSecretValues).Apply(message) }
            : report, ct);
    }

    /// <summary>Cancels a run: straight to Cancelled when it has not been claimed, else Cancelling for its worker.</summary>
    public Task<FlowRunDto> CancelAsync(Guid id, CancellationToken ct = default) =>
        ApplyToLatestAsync(id, run => new StateReport(run.State switch
        {
            FlowRunState.Scheduled or FlowRunState.AwaitingRetry => FlowRunState.Cancelled,
            FlowRunState.Pending or FlowRunState.Running or FlowRunState.Cancelling => FlowRunState.Cancelling,
            _ => throw new ConflictException($"The run has already ended ({run.State})."),
        }, "Cancelled by request."), ct);

    /// <summary>
    /// Applies what <paramref name="decide"/> makes of the run as it is in the database. A run's state
    /// is its concurrency token: when another writer (a worker's report, a cancel, the claim, the
    /// reaper) changed it between this read and this write, nothing is written and the decision is
    /// made again on the fresh row, so no transition is ever judged against a state that has passed.
    /// </summary>
    public async Task<FlowRunDto> ApplyToLatestAsync(Guid id, Func<FlowRun, StateReport> decide, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(decide);
        for (var attempt = 1; ; attempt++)
        {
            var run = await FindAsync(id, ct);
            try
            {
                return await ApplyAsync(run, decide(run), ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                ForgetRuns();
            }
        }
    }

    /// <summary>Drops the runs and state changes of a failed write; the caller's other entities stay tracked.</summary>
    private void ForgetRuns()
    {
        foreach (var entry in db.ChangeTracker.Entries().Where(e => e.Entity is FlowRun or FlowRunStateChange).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }

    private async Task<FlowRunDto> ApplyAsync(FlowRun run, StateReport report, CancellationToken ct)
    {
        var now = rules.Now;
        var left = run.State;
        if (FlowRunOrchestrator.Apply(run, report, now))
        {
            Record(run);
            var entered = run.State;
            // Whoever ended the run (its worker, the lease reaper, the timeout backstop), the retry
            // policy is applied here and only here; the history keeps the end, then the wait, and
            // each has its event. A run whose cancel was asked for ends for good.
            var retried = RunRetries.TryRetry(run, left, now, Random.Shared);
            if (retried)
            {
                Record(run);
            }

            await db.SaveChangesAsync(ct);
            CountPolicyOutcome(run, entered, retried);
            if (entered.IsTerminal() && report.Usage?.CpuSeconds is { } cpu)
            {
                metrics.RunUsedCpu(run.WorkPoolName, $"{run.FlowName}/{run.DeploymentName}", cpu);
            }

            var dto = ToDto(run);
            feed.Publish(new FlowRunChanged(dto));
            return dto;
        }

        return ToDto(run);
    }

    private void CountPolicyOutcome(FlowRun run, FlowRunState entered, bool retried)
    {
        var deployment = $"{run.FlowName}/{run.DeploymentName}";
        if (entered == FlowRunState.TimedOut)
        {
            metrics.RunTimedOut(run.WorkPoolName, deployment);
        }

        if (entered == FlowRunState.Skipped)
        {
            metrics.RunSkipped(run.WorkPoolName, deployment);
        }

        if (retried)
        {
            metrics.RunRetried(run.WorkPoolName, deployment, entered);
        }
    }

    public async Task CancelScheduledOfDeploymentAsync(Guid deploymentId, string reason, CancellationToken ct = default)
    {
        List<FlowRun> scheduled;
        for (var attempt = 1; ; attempt++)
        {
            scheduled = await db.FlowRuns.Where(r => r.DeploymentId == deploymentId && FlowRunStates.Claimable.Contains(r.State)).ToListAsync(ct);
            var now = rules.Now;
            foreach (var run in scheduled)
            {
                FlowRunOrchestrator.Apply(run, new StateReport(FlowRunState.Cancelled, reason), now);
                Record(run);
            }

            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // A worker claimed one of them meanwhile: that one runs; cancel what is still waiting.
                ForgetRuns();
            }
        }

        foreach (var run in scheduled)
        {
            feed.Publish(new FlowRunChanged(ToDto(run)));
        }
    }

    public async Task<IReadOnlyList<LogLineDto>> GetLogsAsync(Guid id, long after, int limit, CancellationToken ct = default)
    {
        if (limit is < 1 or > 10_000)
        {
            throw new InvalidRequestException("limit", "The limit must be 1 to 10000.");
        }

        await FindAsync(id, ct);
        return await db.LogLines.AsNoTracking()
            .Where(l => l.FlowRunId == id && l.Seq > after)
            .OrderBy(l => l.Seq).Take(limit)
            .Select(l => new LogLineDto { Seq = l.Seq, Timestamp = l.Timestamp, Level = l.Level, Stream = l.Stream, Message = l.Message, Attempt = l.Attempt })
            .ToListAsync(ct);
    }

    public async Task<int> AddLogsAsync(Guid id, IReadOnlyList<NewLogLine>? lines, CancellationToken ct = default)
    {
        if (lines is null)
        {
            throw new InvalidRequestException("body", "Send a JSON array of log lines.");
        }

        if (lines.Count > MaxLogLinesPerPost)
        {
            throw new InvalidRequestException("body", $"At most {MaxLogLinesPerPost} lines per request.");
        }

        var entities = new List<LogLine>(lines.Count);
        var now = rules.Now;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i] ?? throw new InvalidRequestException($"[{i}]", "A log line cannot be null.");
            var stream = line.Stream ?? "stdout";
            if (stream is not ("stdout" or "stderr" or "worker"))
            {
                throw new InvalidRequestException($"[{i}].stream", "The stream is one of stdout, stderr, worker.");
            }

            if (line.Message is null)
            {
                throw new InvalidRequestException($"[{i}].message", "A log line needs a message.");
            }

            if (line.Id is { Length: 0 or > MaxLogLineIdLength })
            {
                throw new InvalidRequestException($"[{i}].id", $"A line id has 1 to {MaxLogLineIdLength} characters.");
            }

            if (line.Level is { Length: > MaxLogLevelLength } || (!string.IsNullOrWhiteSpace(line.Level) && !line.Level.All(char.IsAsciiLetter)))
            {
                throw new InvalidRequestException($"[{i}].level", $"A level is a word of at most {MaxLogLevelLength} letters, e.g. info, warning or error.");
            }

            if (line.Attempt is < 1 or > RunRetries.MaxAttempts)
            {
                throw new InvalidRequestException($"[{i}].attempt", "The attempt is 1 or more (the run's attempt when left out).");
            }

            var message = line.Message.Length > MaxLogMessageLength ? line.Message[..MaxLogMessageLength] : line.Message;
            entities.Add(new LogLine
            {
                FlowRunId = id,
                Timestamp = line.Timestamp?.ToUniversalTime() ?? now,
                Level = string.IsNullOrWhiteSpace(line.Level) ? (stream == "stderr" ? "error" : "info") : line.Level.ToLowerInvariant(),
                Stream = stream,
                Message = message,
                ClientId = line.Id,
                Attempt = line.Attempt ?? 0,
            });
        }

        var run = await db.FlowRuns.AsNoTracking().Where(r => r.Id == id).Select(r => new { r.WorkPoolName, r.ProtectedSecretValues, r.Attempt }).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"Flow run '{id}' does not exist.");
        foreach (var entity in entities)
        {
            // A line without an attempt belongs to the run's current one; none is beyond it.
            entity.Attempt = entity.Attempt == 0 ? run.Attempt : Math.Min(entity.Attempt, run.Attempt);
        }

        entities = await WithoutKnownLinesAsync(id, entities, ct);
        if (entities.Count == 0)
        {
            return 0;
        }

        if (run.ProtectedSecretValues is not null)
        {
            await MaskAsync(id, entities, secrets.MaskOf(run.ProtectedSecretValues), ct);
        }

        db.LogLines.AddRange(entities);
        await db.SaveChangesAsync(ct);
        metrics.LogLinesIngested(run.WorkPoolName, entities.Count);
        feed.Publish(new LogLinesAdded(id, run.WorkPoolName, [.. entities.Select(l =>
            new LogLineDto { Seq = l.Seq, Timestamp = l.Timestamp, Level = l.Level, Stream = l.Stream, Message = l.Message, Attempt = l.Attempt })]));
        return entities.Count;
    }

    public FlowRunDto ToDto(FlowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new FlowRunDto
        {
            Id = run.Id,
            Name = run.Name,
            DeploymentId = run.DeploymentId,
            FlowName = run.FlowName,
            DeploymentName = run.DeploymentName,
            WorkPoolName = run.WorkPoolName,
            WorkQueueName = run.WorkQueueName,
            State = rules.RunState(run.State, run.ExpectedStartAt),
            StateMessage = run.StateMessage,
            WorkerName = run.WorkerName,
            InfrastructureId = run.InfrastructureId,
            ExitCode = run.ExitCode,
            Parameters = ConsoleJson.ParseObject(run.Parameters),
            JobVariables = ConsoleJson.ParseObject(run.JobVariables),
            ExpectedStartAt = run.ExpectedStartAt,
            StartedAt = run.StartedAt,
            EndedAt = run.EndedAt,
            CreatedAt = run.CreatedAt,
            CodeRevision = run.CodeRevision,
            InfrastructureHeldSince = run.InfrastructureHeldSince,
            InfrastructureReleasedAt = run.InfrastructureReleasedAt,
            Version = run.Version,
            Attempt = run.Attempt,
            MaxAttempts = run.MaxAttempts,
            NextAttemptAt = run.NextAttemptAt,
            Usage = RunUsage.Of(run),
        };
    }

    /// <summary>Adds the run's current state to its timeline, and its event; saved with the caller's change.</summary>
    public void Record(FlowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        events.RecordRunState(db, run);
        db.FlowRunStateChanges.Add(new FlowRunStateChange
        {
            FlowRunId = run.Id,
            State = run.State,
            Message = run.StateMessage,
            Timestamp = run.UpdatedAt,
            Attempt = run.Attempt,
        });
    }

    /// <summary>
    /// Masks the run's secret values in the new lines before they are stored or published. The
    /// run's last stored line goes in front, so a value split across two posts is found too; that
    /// line is masked in place when it held the first part (a live viewer may have seen that part).
    /// </summary>
    private async Task MaskAsync(Guid runId, List<LogLine> lines, SecretMask mask, CancellationToken ct)
    {
        var previous = await db.LogLines.AsNoTracking().Where(l => l.FlowRunId == runId).OrderByDescending(l => l.Seq).FirstOrDefaultAsync(ct);
        var texts = new List<string>(lines.Count + 1);
        if (previous is not null)
        {
            texts.Add(previous.Message);
        }

        texts.AddRange(lines.Select(l => l.Message));
        var masked = mask.Apply(texts);
        var first = previous is null ? 0 : 1;
        if (previous is not null && !string.Equals(masked[0], previous.Message, StringComparison.Ordinal))
        {
            // Straight to the row: a correction of what the run already sent, not a change anyone made.
            var text = masked[0];
            await db.LogLines.Where(l => l.Seq == previous.Seq).ExecuteUpdateAsync(s => s.SetProperty(l => l.Message, text), ct);
        }

        for (var i = 0; i < lines.Count; i++)
        {
            lines[i].Message = masked[i + first];
        }
    }

    /// <summary>
    /// Log delivery is at least once: a post whose answer was lost (the server died after the commit,
    /// or the client timed out) comes again. Lines with an id the run already has, or repeated within
    /// the post, are dropped so each line is stored once.
    /// </summary>
    private async Task<List<LogLine>> WithoutKnownLinesAsync(Guid runId, List<LogLine> lines, CancellationToken ct)
    {
        var ids = lines.Where(l => l.ClientId is not null).Select(l => l.ClientId!).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0)
        {
            return lines;
        }

        var known = (await db.LogLines.AsNoTracking()
            .Where(l => l.FlowRunId == runId && l.ClientId != null && ids.Contains(l.ClientId))
            .Select(l => l.ClientId!)
            .ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        return [.. lines.Where(l => l.ClientId is null || known.Add(l.ClientId))];
    }
}

using System.Diagnostics.Metrics;
using Console.Contracts.Common;
using Console.Core.Polling;
using Microsoft.Extensions.DependencyInjection;

namespace Console.Core.Metrics;

/// <summary>
/// The console's OpenTelemetry meter <c>Console</c>: counters the write paths bump, and gauges read
/// from the database (through <see cref="MetricsSnapshotSource"/>, cached for a few seconds so a
/// scrape every second costs one query batch, not one per instrument). Names are in docs/observability.md.
/// The meter comes from the host's <see cref="IMeterFactory"/>, which owns and disposes it, so its
/// <see cref="Meter.Scope"/> tells this host's instruments from another host's in the same process.
/// </summary>
public sealed class ConsoleMetrics
{
    public const string MeterName = "Console";

    /// <summary>Seconds: a claim within milliseconds of creation up to runs scheduled an hour ahead.</summary>
    private static readonly double[] LatencyBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

    private readonly Meter _meter;
    private readonly Counter<long> _claims;
    private readonly Histogram<double> _claimLatency;
    private readonly UpDownCounter<long> _pollsWaiting;
    private readonly Histogram<long> _pollsPerClaim;
    private readonly Counter<long> _logLines;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _timeouts;
    private readonly Counter<long> _skips;
    private readonly Counter<double> _runCpu;

    public ConsoleMetrics(IMeterFactory meters, IServiceScopeFactory scopes, TimeProvider time, ClaimGate gate)
        : this(meters, new MetricsSnapshotSource(scopes, time), gate)
    {
    }

    internal ConsoleMetrics(IMeterFactory meters, MetricsSnapshotSource snapshots, ClaimGate gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(new MeterOptions(MeterName) { Version = "1.0" });
        _claims = _meter.CreateCounter<long>("console.flow_runs.claimed", "{run}", "Flow runs claimed by workers (Scheduled -> Pending).");
        _claimLatency = _meter.CreateHistogram<double>(
            "console.flow_runs.claim_latency", "s", "Seconds from a run's creation to its claim by a worker.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _pollsWaiting = _meter.CreateUpDownCounter<long>("console.polls.waiting", "{poll}", "Long-polls held open, waiting for work.");
        _pollsPerClaim = _meter.CreateHistogram<long>(
            "console.claim.polls", "{poll}", "Polls answered by one claim transaction (on SQLite, the polls that queued for the writer share one).",
            tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16] });
        _logLines = _meter.CreateCounter<long>("console.log_lines.ingested", "{line}", "Flow run log lines stored.");
        _retries = _meter.CreateCounter<long>("console.flow_runs.retried", "{run}",
            "Attempts that ended in a retried state (state=Failed, Crashed or TimedOut) and were given another attempt.");
        _timeouts = _meter.CreateCounter<long>("console.flow_runs.timed_out", "{run}", "Attempts that ended TimedOut (reported by the worker or by the server's backstop).");
        _skips = _meter.CreateCounter<long>("console.flow_runs.skipped", "{run}", "Runs Skipped by their deployment's late policy.");
        _runCpu = _meter.CreateCounter<double>("console.flow_run.cpu", "s",
            "CPU seconds ended runs used, as their workers measured them (process tree, container or local Swarm task).");

        _meter.CreateObservableGauge<long>("console.flow_runs", () => snapshots.Current().Runs, "{run}",
            "Flow runs by state (Late derived) and work pool.");
        _meter.CreateObservableGauge<long>("console.queue.backlog", () => snapshots.Current().Backlog, "{run}",
            "Waiting runs per work queue: state=scheduled (not yet late) or state=late.");
        _meter.CreateObservableGauge<double>("console.queue.oldest_wait", () => snapshots.Current().OldestWait, "s",
            "Seconds the oldest due, unclaimed run of a work queue has waited past its expected start.");
        _meter.CreateObservableGauge<long>("console.claim_gate.waiting", () => gate.Waiting, "{request}",
            "Claims and database writes of polls and heartbeats waiting for their turn at the claim gate (one at a time on SQLite, Database:MaxConcurrentClaims on PostgreSQL).");
        _meter.CreateObservableGauge<long>("console.workers.online", () => snapshots.Current().WorkersOnline, "{worker}",
            "Online workers per work pool (draining ones not counted: they claim nothing).");
        _meter.CreateObservableGauge<long>("console.workers.draining", () => snapshots.Current().WorkersDraining, "{worker}",
            "Draining workers per work pool: alive, finishing their runs, claiming nothing new.");
    }

    public void RecordClaim(string pool, TimeSpan sinceDue)
    {
        var tag = new KeyValuePair<string, object?>("pool", pool);
        _claims.Add(1, tag);
        _claimLatency.Record(Math.Max(0, sinceDue.TotalSeconds), tag);
    }

    public void RecordClaimTransaction(int polls) => _pollsPerClaim.Record(polls);

    public void PollWaiting(string pool, int delta) => _pollsWaiting.Add(delta, new KeyValuePair<string, object?>("pool", pool));

    public void LogLinesIngested(string pool, int count) => _logLines.Add(count, new KeyValuePair<string, object?>("pool", pool));

    /// <summary>
    /// The server jobs' gauges, read from <paramref name="read"/> at each scrape: seconds since each
    /// job last ran, and 1 for a job overdue (not run for three of its intervals).
    /// </summary>
    public void ObserveServerJobs(Func<IReadOnlyList<(string Job, double SecondsSinceRun, bool Overdue)>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        _meter.CreateObservableGauge<double>("console.server_jobs.since_last_run",
            () => read().Select(j => new Measurement<double>(j.SecondsSinceRun, new KeyValuePair<string, object?>("job", j.Job))), "s",
            "Seconds since each server job last finished a pass on any replica (since this replica started when it has not run since).");
        _meter.CreateObservableGauge<long>("console.server_jobs.overdue",
            () => read().Select(j => new Measurement<long>(j.Overdue ? 1 : 0, new KeyValuePair<string, object?>("job", j.Job))), "{job}",
            "1 when a server job has not run for three of its intervals (the health check reports Degraded).");
    }

    public void RunRetried(string pool, string deployment, Contracts.FlowRuns.FlowRunState ended) =>
        _retries.Add(1, new KeyValuePair<string, object?>("pool", pool), new KeyValuePair<string, object?>("deployment", deployment),
            new KeyValuePair<string, object?>("state", ended.ToString()));

    public void RunTimedOut(string pool, string deployment) =>
        _timeouts.Add(1, new KeyValuePair<string, object?>("pool", pool), new KeyValuePair<string, object?>("deployment", deployment));

    public void RunSkipped(string pool, string deployment) =>
        _skips.Add(1, new KeyValuePair<string, object?>("pool", pool), new KeyValuePair<string, object?>("deployment", deployment));

    public void RunUsedCpu(string pool, string deployment, double seconds) =>
        _runCpu.Add(seconds, new KeyValuePair<string, object?>("pool", pool), new KeyValuePair<string, object?>("deployment", deployment));

    /// <summary>True for instruments of this host's meter (not of another host in the same process).</summary>
    public bool Owns(Instrument instrument) => ReferenceEquals(instrument?.Meter, _meter);
}

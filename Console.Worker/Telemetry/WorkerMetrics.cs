using System.Diagnostics.Metrics;

namespace Console.Worker.Telemetry;

/// <summary>
/// The worker's meter <c>Console.Worker</c> (names in docs/observability.md). It comes from the host's
/// <see cref="IMeterFactory"/>, so <see cref="Owns"/> tells this worker's instruments from another
/// worker's in the same process (the web host's embedded worker beside a test's, say).
/// </summary>
public sealed class WorkerMetrics
{
    public const string MeterName = "Console.Worker";

    /// <summary>Seconds: a process starts in milliseconds, a container with an image pull in minutes.</summary>
    private static readonly double[] StartBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<double> _startTime;
    private readonly Counter<long> _reportRetries;
    private readonly Counter<long> _polls;

    public WorkerMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(new MeterOptions(MeterName) { Version = "1.0" });
        _inFlight = _meter.CreateUpDownCounter<long>("console_worker.runs.in_flight", "{run}", "Flow runs this worker supervises now.");
        _startTime = _meter.CreateHistogram<double>(
            "console_worker.infrastructure.start_time", "s", "Seconds to create and start a run's container or process.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StartBuckets });
        _reportRetries = _meter.CreateCounter<long>("console_worker.reports.retries", "{report}",
            "State reports and log batches kept for another delivery because the server could not be reached.");
        _polls = _meter.CreateCounter<long>("console_worker.polls", "{poll}", "Polls answered by the server.");
    }

    public bool Owns(Instrument instrument) => ReferenceEquals(instrument?.Meter, _meter);

    public void RunStarted(string pool) => _inFlight.Add(1, Pool(pool));

    public void RunEnded(string pool) => _inFlight.Add(-1, Pool(pool));

    public void InfrastructureStarted(string pool, string type, TimeSpan took) =>
        _startTime.Record(took.TotalSeconds, Pool(pool), new KeyValuePair<string, object?>("type", type));

    public void ReportsKept(int count) => _reportRetries.Add(count);

    public void Polled(string pool) => _polls.Add(1, Pool(pool));

    private static KeyValuePair<string, object?> Pool(string pool) => new("pool", pool);
}

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Console.Core.Persistence;

/// <summary>
/// Copies the write-ahead log back into the database file, in the background. SQLite's own
/// auto-checkpoint runs in whichever connection commits past 1,000 pages of log, inside its commit:
/// under B3's load that was the claim's about every tenth poll, so the copying and its two fsyncs held the
/// claim's lock and every poll queued behind it. Every app connection turns it off
/// (<see cref="SqlitePragmas"/>) and this service checkpoints instead, four times a second, PASSIVE:
/// it never waits for a reader or the writer, and they never wait for it. The log then holds at most
/// a quarter of a second of writes; SQLite starts it over from the top once all of it is copied.
/// </summary>
internal sealed partial class SqliteCheckpointer(string connectionString, IOptions<DatabaseOptions> options, ILogger<SqliteCheckpointer> logger)
    : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Real time even under a test clock, like the heartbeat flush: plumbing, not a rule users read.
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckpointAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // What the last quarter second wrote, so a stopped server leaves little log to replay.
        await CheckpointAsync(cancellationToken);
    }

    private async Task CheckpointAsync(CancellationToken ct)
    {
        try
        {
            // A pooled connection each time (opening one from the pool costs microseconds); the
            // checkpoint syncs the files as its connection's setting says: the app's.
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA synchronous={options.Value.SqliteSynchronous}; PRAGMA wal_checkpoint(PASSIVE);";
            await command.ExecuteNonQueryAsync(ct);
            if (_failing)
            {
                _failing = false;
                LogRecovered(logger);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Never ends the loop (the log would grow for good): once per streak, then every tick tries again.
            if (!_failing)
            {
                _failing = true;
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not checkpoint the SQLite write-ahead log; retrying every 250 ms, the log grows meanwhile")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpointing the SQLite write-ahead log again")]
    private static partial void LogRecovered(ILogger logger);
}

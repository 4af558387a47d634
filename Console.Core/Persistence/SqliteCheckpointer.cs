using Console.Core.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
internal sealed partial class SqliteCheckpointer(IServiceScopeFactory scopes, ILogger<SqliteCheckpointer> logger)
    : PeriodicBackgroundService
{
    private bool _failing;

    // The last tick runs as the host stops: what the last quarter second wrote, so little log is left to replay.
    protected override TimeSpan Period { get; } = TimeSpan.FromMilliseconds(250);

    protected override async Task TickAsync(CancellationToken ct)
    {
        try
        {
            // One of the app's pooled connections, with its settings (SqlitePragmas): the checkpoint
            // syncs the files as the app's synchronous setting says.
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE);", ct);
            if (_failing)
            {
                _failing = false;
                LogRecovered(logger);
            }
        }
        catch (ObjectDisposedException)
        {
            // The host's service provider is already gone: a tick that started as the host shut
            // down (seen at every test host's end, disposed with Dispose or DisposeAsync). The app
            // is closing its database; there is nothing left to checkpoint for.
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
